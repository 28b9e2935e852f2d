# How the references in this folder were made (mgcv 1.8-41, R 4.2.2). Not run in CI:
#   cd crates/gam/tests/data/criteria && Rscript make_reference.R
# Groundwork for issue 13 item 2 ("every smoothness-selection criterion"): one data
# set per family (Gaussian, Poisson, binomial, Gamma), each fitted with every
# criterion mgcv::gam offers, plus gamma = 1.4 for REML and GCV.Cp.
# The script (a) simulates the data and writes it as CSV into this folder and
# (b) reads it back and writes one <case>_<method>[_g1.4].json per fit (numbers as
# strings, sprintf("%.17g"), scalars as 1-element arrays, as in ../families/).
# One line per fit goes to stdout. The CSV files are the data: every fit uses the
# data as read back from disk. Deterministic: a second run gives identical files.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

## ---------------------------------------------------------------- data sets
# Plain numeric CSV: no row names, no quotes, 15 significant digits (as ../families/).
write_num_csv <- function(d, file, digits = 15) {
  stopifnot(all(vapply(d, is.numeric, TRUE)))
  out <- as.data.frame(lapply(d, function(v) sprintf(paste0("%.", digits, "g"), v)),
                       stringsAsFactors = FALSE)
  names(out) <- names(d)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}

f0 <- function(x) 2 * sin(pi * x)
f1 <- function(x) exp(2 * x)
f2 <- function(x) 0.2 * x^11 * (10 * (1 - x))^6 + 10 * (10 * x)^3 * (1 - x)^10

set.seed(20261206)
n <- 300
x0 <- runif(n); x1 <- runif(n)
y <- f0(x0) + f1(x1) + rnorm(n, sd = 1.5)
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1), "gaussian_n300.csv")

set.seed(20261207)
n <- 300
x0 <- runif(n); x1 <- runif(n)
y <- rpois(n, exp((f0(x0) + f2(x1) / 4) / 2))
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1), "poisson_n300.csv")

set.seed(20261208)
n <- 400
x0 <- runif(n); x1 <- runif(n)
eta <- (f0(x0) + f1(x1) - 4) / 1.5
y <- rbinom(n, 1, binomial()$linkinv(eta))
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1), "binomial_n400.csv")

set.seed(20261209)
n <- 300
x0 <- runif(n); x1 <- runif(n)
mu <- exp(0.5 + 0.5 * f0(x0) + 0.3 * f1(x1))
shape <- 4                         # Gamma scale (dispersion) = 1/shape = 0.25
y <- rgamma(n, shape = shape, rate = shape / mu)
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1), "gamma_n300.csv")

## ---------------------------------------------------------------- fits
formula <- "y ~ s(x0) + s(x1, bs = \"cr\")"
cases <- list(
  list(id = "gaussian", data = "criteria/gaussian_n300.csv", family = gaussian()),
  list(id = "poisson",  data = "criteria/poisson_n300.csv",  family = poisson()),
  list(id = "binomial", data = "criteria/binomial_n400.csv", family = binomial()),
  list(id = "gamma",    data = "criteria/gamma_n300.csv",    family = Gamma(link = "log"))
)
fits <- list(
  list(method = "REML", gamma = 1), list(method = "ML", gamma = 1),
  list(method = "GCV.Cp", gamma = 1), list(method = "GACV.Cp", gamma = 1),
  list(method = "P-REML", gamma = 1), list(method = "P-ML", gamma = 1),
  list(method = "REML", gamma = 1.4), list(method = "GCV.Cp", gamma = 1.4)
)

# The outer optimizer gam() used when outer.info is present: mgcv's default
# c("outer", "newton") (b$optimizer is overwritten with "magic" for Gaussian identity).
oi_opt <- function(b) if (identical(b$optimizer, "magic")) c("outer", "newton") else b$optimizer
num <- function(v) I(sprintf("%.17g", as.numeric(v)))
first100 <- function(v) num(as.numeric(v)[seq_len(min(100, length(v)))])

write_fit <- function(cs, ft) {
  d <- read.csv(file.path("..", cs$data))
  {
    fid <- paste0(cs$id, "_", ft$method, if (ft$gamma != 1) paste0("_g", ft$gamma) else "")
    warns <- character(0)
    b <- withCallingHandlers(
      if (is.null(cs$weights))
        gam(as.formula(formula), family = cs$family, data = d, method = ft$method,
            gamma = ft$gamma)
      else gam(as.formula(formula), family = cs$family, data = d, method = ft$method,
               gamma = ft$gamma, weights = d[[cs$weights]]),
      warning = function(w) {
        warns <<- c(warns, conditionMessage(w))
        invokeRestart("muffleWarning")
      })
    sm <- summary(b)
    printed <- capture.output(print(sm))
    oi <- b$outer.info
    out <- list(
      id = fid, data = cs$data, formula = formula,
      family = b$family$family, link = b$family$link,
      method = ft$method, gamma = num(ft$gamma),
      # summary(b)$method: the criterion actually used ("GCV" or "UBRE" for GCV.Cp,
      # "GACV" or "UBRE" for GACV.Cp; P-REML/P-ML become REML/ML when the scale is
      # known), with "-" before REML and ML, as summary.gam prints it:
      # `<criterion_name> = <criterion>`.
      criterion_name = sm$method, criterion = num(b$gcv.ubre),
      # b$optimizer says "magic" for every Gaussian-identity fit that is not (P-)REML/ML,
      # but mgcv 1.8-41 only uses magic (performance iteration, one magic call) for
      # GCV.Cp there; GACV.Cp still goes through the outer Newton (estimate.gam's
      # outer.looping). `optimizer` is what actually ran.
      optimizer = if (is.null(oi)) "magic" else paste(oi_opt(b), collapse = " "),
      n = num(nrow(b$model)),
      scale = num(b$sig2), scale_estimated = as.logical(b$scale.estimated),
      edf_total = num(sum(b$edf)),
      smooths = lapply(seq_along(b$smooth), function(i) {
        s <- b$smooth[[i]]
        list(label = s$label, edf = num(sum(b$edf[s$first.para:s$last.para])))
      }),
      sp = num(as.numeric(b$sp)),
      coefficients = list(names = names(coef(b)), values = num(coef(b))),
      deviance = num(b$deviance),
      # outer.info: Newton (iter, conv, grad, hess) for the "outer" optimizer; for
      # magic (Gaussian identity with GCV.Cp / GACV.Cp) mgcv stores the magic
      # convergence info instead, with `iter` and `score`/`grad`.
      outer_iter = if (is.null(oi$iter)) NULL else num(oi$iter),
      convergence = if (is.null(oi$conv)) NULL else as.character(oi$conv),
      outer_grad = if (is.null(oi$grad)) NULL else num(oi$grad),
      converged = as.logical(b$converged),
      # magic's own report (performance iteration only): iterations, convergence.
      magic_iter = if (is.null(oi) && !is.null(b$mgcv.conv)) num(b$mgcv.conv$iter) else NULL,
      magic_converged = if (is.null(oi) && !is.null(b$mgcv.conv))
                          as.logical(b$mgcv.conv$fully.converged) else NULL,
      linear_predictor = first100(b$linear.predictors),
      fitted = first100(fitted(b)),
      summary_text = printed,
      warnings = warns
    )
    # Prior weights: the column's name (only for the cases that have them).
    if (!is.null(cs$weights)) out$weights <- cs$weights
    js <- toJSON(out, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null")
    writeLines(js, paste0(fid, ".json"))
    cat(sprintf("%-22s %-6s %-8s = %-22s edf=%-8s iter=%s conv=%s%s\n", fid,
                if (is.null(oi)) "magic" else "newton", sm$method, sprintf("%.15g", b$gcv.ubre),
                sprintf("%.4f", sum(b$edf)),
                if (is.null(oi$iter)) paste0("magic:", b$mgcv.conv$iter) else oi$iter,
                if (is.null(oi$conv)) "NA" else oi$conv,
                if (length(warns)) paste0(" WARN: ", paste(unique(warns), collapse = " | ")) else ""))
  }
}

for (cs in cases) for (ft in fits) write_fit(cs, ft)

## ------------------------------------------- added for the implementation (issue 13 item 2)
# Two more cases, every criterion at gamma = 1: prior weights on the Gaussian path (the
# saturated likelihood's sum(log w)/2 and weighted RSS / Pearson), and inverse.gaussian with
# a log link (unknown scale, non-canonical link: Newton and Fisher weights differ).
set.seed(20261210)
n <- 300
x0 <- runif(n); x1 <- runif(n)
w <- runif(n, 0.5, 2)
y <- f0(x0) + f1(x1) + rnorm(n, sd = 1.5 / sqrt(w))
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1, w = w), "gaussianw_n300.csv")

set.seed(20261211)
n <- 300
x0 <- runif(n); x1 <- runif(n)
mu <- exp(0.5 + 0.4 * f0(x0) + 0.2 * f1(x1))
y <- rig(n, mean = mu, scale = 0.05)
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1), "invgauss_n300.csv")

more <- list(
  list(id = "gaussianw", data = "criteria/gaussianw_n300.csv", family = gaussian(), weights = "w"),
  list(id = "invgauss", data = "criteria/invgauss_n300.csv", family = inverse.gaussian(link = "log"))
)
for (cs in more) for (ft in fits[1:6]) write_fit(cs, ft)
