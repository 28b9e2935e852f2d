# How the references in this folder were made (mgcv 1.8-41, R 4.2.2). Not run in CI:
#   cd crates/gam/tests/data/known_scale && Rscript make_reference.R
# Issue 13 item 2, "GCV.Cp (GCV when the scale is unknown, UBRE/Cp when it is known)":
# mgcv's `gam(..., scale = )`. scale > 0: the scale is known and fixed at that value
# (GCV.Cp and GACV.Cp become UBRE, P-REML / P-ML become REML / ML, REML and ML use it
# instead of estimating it); scale < 0: the scale is estimated, even for Poisson and
# binomial, where GCV.Cp then is GCV (mgcv's estimate.gam resets it to 1 for REML / ML
# of those two families, so there it changes nothing); scale = 0 (the default): known
# (= 1) for Poisson and binomial, estimated otherwise.
# The script (a) simulates the data and writes it as CSV into this folder and (b) reads
# it back and writes one <case>_<method>_s<scale>.json per fit (numbers as strings,
# sprintf("%.17g"), scalars as 1-element arrays, as in ../criteria/). One line per fit
# goes to stdout. Deterministic: a second run gives identical files.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

## ---------------------------------------------------------------- data sets
write_num_csv <- function(d, file, digits = 15) {
  stopifnot(all(vapply(d, is.numeric, TRUE)))
  out <- as.data.frame(lapply(d, function(v) sprintf(paste0("%.", digits, "g"), v)),
                       stringsAsFactors = FALSE)
  names(out) <- names(d)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}

f0 <- function(x) 2 * sin(pi * x)
f1 <- function(x) exp(2 * x)

# Gaussian with variance 2 (the scale the fits are told).
set.seed(20261212)
n <- 300
x0 <- runif(n); x1 <- runif(n)
y <- f0(x0) + f1(x1) + rnorm(n, sd = sqrt(2))
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1), "gaussian_n300.csv")

# Gaussian with prior weights w: variance 2 / w.
set.seed(20261213)
n <- 300
x0 <- runif(n); x1 <- runif(n)
w <- runif(n, 0.5, 2)
y <- f0(x0) + f1(x1) + rnorm(n, sd = sqrt(2 / w))
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1, w = w), "gaussianw_n300.csv")

# Overdispersed counts (negative binomial, size 4): a Poisson fit whose scale is worth estimating.
set.seed(20261214)
n <- 300
x0 <- runif(n); x1 <- runif(n)
y <- rnbinom(n, mu = exp(0.5 + 0.5 * f0(x0) + 0.3 * f1(x1)), size = 4)
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1), "poisson_n300.csv")

set.seed(20261215)
n <- 400
x0 <- runif(n); x1 <- runif(n)
y <- rbinom(n, 1, binomial()$linkinv((f0(x0) + f1(x1) - 4) / 1.5))
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1), "binomial_n400.csv")

# Gamma with shape 4: scale (dispersion) 1/4, the value the fits are told.
set.seed(20261216)
n <- 300
x0 <- runif(n); x1 <- runif(n)
mu <- exp(0.5 + 0.5 * f0(x0) + 0.3 * f1(x1))
y <- rgamma(n, shape = 4, rate = 4 / mu)
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1), "gamma_n300.csv")

## ---------------------------------------------------------------- fits
formula <- "y ~ s(x0) + s(x1, bs = \"cr\")"
num <- function(v) I(sprintf("%.17g", as.numeric(v)))
first100 <- function(v) num(as.numeric(v)[seq_len(min(100, length(v)))])

write_fit <- function(id, data, family, method, scale, weights = NULL) {
  d <- read.csv(data)
  fid <- sprintf("%s_%s_s%s", id, method, format(scale))
  warns <- character(0)
  b <- withCallingHandlers(
    if (is.null(weights))
      gam(as.formula(formula), family = family, data = d, method = method, scale = scale)
    else gam(as.formula(formula), family = family, data = d, method = method, scale = scale,
             weights = d[[weights]]),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  sm <- summary(b)
  oi <- b$outer.info
  st <- sm$s.table
  pt <- sm$p.table
  ll <- logLik(b)
  out <- list(
    id = fid, data = paste0("known_scale/", data), formula = formula,
    family = b$family$family, link = b$family$link,
    method = method, scale_arg = num(scale),
    criterion_name = sm$method, criterion = num(b$gcv.ubre),
    optimizer = if (is.null(oi)) "magic" else "outer newton",
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
    loglik = num(ll), loglik_df = num(attr(ll, "df")), aic = num(AIC(b)),
    # summary(b)$p.table: estimate, se, t or z, p-value (z when the scale is known).
    p_table = lapply(seq_len(nrow(pt)), function(i) list(name = rownames(pt)[i],
      estimate = num(pt[i, 1]), se = num(pt[i, 2]), stat = num(pt[i, 3]), p_value = num(pt[i, 4]))),
    # summary(b)$s.table: edf, Ref.df, F (Chi.sq when the scale is known), p-value.
    s_table = lapply(seq_len(nrow(st)), function(i) list(label = rownames(st)[i],
      edf = num(st[i, 1]), ref_df = num(st[i, 2]), stat = num(st[i, 3]), p_value = num(st[i, 4]))),
    outer_iter = if (is.null(oi$iter)) NULL else num(oi$iter),
    convergence = if (is.null(oi$conv)) NULL else as.character(oi$conv),
    magic_converged = if (is.null(oi) && !is.null(b$mgcv.conv))
                        as.logical(b$mgcv.conv$fully.converged) else NULL,
    fitted = first100(fitted(b)),
    summary_text = capture.output(print(sm)),
    warnings = warns
  )
  if (!is.null(weights)) out$weights <- weights
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null"),
             paste0(fid, ".json"))
  cat(sprintf("%-26s %-6s %-8s = %-22s scale=%-10s est=%-5s edf=%-8s conv=%s%s\n", fid,
              if (is.null(oi)) "magic" else "newton", sm$method, sprintf("%.15g", b$gcv.ubre),
              sprintf("%.6g", b$sig2), b$scale.estimated, sprintf("%.4f", sum(b$edf)),
              if (is.null(oi$conv)) b$mgcv.conv$fully.converged else oi$conv,
              if (length(warns)) paste0(" WARN: ", paste(unique(warns), collapse = " | ")) else ""))
}

# Known scale 2 for the Gaussian: REML and ML with phi fixed; GCV.Cp is UBRE by magic
# (performance iteration), GACV.Cp UBRE by the outer Newton; P-REML is REML.
for (m in c("REML", "ML", "GCV.Cp", "GACV.Cp", "P-REML"))
  write_fit("gaussian", "gaussian_n300.csv", gaussian(), m, 2)
for (m in c("REML", "GCV.Cp"))
  write_fit("gaussianw", "gaussianw_n300.csv", gaussian(), m, 2, weights = "w")
# Estimated scale for Poisson: GCV.Cp is GCV, GACV.Cp GACV; REML and P-REML are the
# default fits (estimate.gam sets scale <- 1 for REML-type methods of poisson/binomial).
for (m in c("REML", "GCV.Cp", "GACV.Cp", "P-REML"))
  write_fit("poisson", "poisson_n300.csv", poisson(), m, -1)
# A known scale other than 1 for Poisson: UBRE with it under GCV.Cp; ignored by REML.
for (m in c("GCV.Cp", "REML"))
  write_fit("poisson", "poisson_n300.csv", poisson(), m, 2)
for (m in c("REML", "GCV.Cp"))
  write_fit("binomial", "binomial_n400.csv", binomial(), m, -1)
# Known scale 1/4 for Gamma(log).
for (m in c("REML", "ML", "GCV.Cp"))
  write_fit("gamma", "gamma_n300.csv", Gamma(link = "log"), m, 0.25)
# quasipoisson with a known scale 1.5.
for (m in c("REML", "GCV.Cp"))
  write_fit("quasipoisson", "poisson_n300.csv", quasipoisson(), m, 1.5)
