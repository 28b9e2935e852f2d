# How the references in this folder were made (mgcv 1.8-41, R 4.2.2). Not run in CI:
#   cd crates/gam/tests/data/controls && Rscript make_reference.R
# Issue 13 item 4, smoothing controls: smoothing parameters fixed per term
# (s(x, sp = ), te(..., sp = c(, ))), for the model (gam(sp = ), negative entries
# estimated; all fixed), min.sp, and families with a fixed parameter or a quasi
# likelihood: negbin(3), Tweedie(1.25) with log and power(.1) links,
# quasipoisson, quasibinomial. All fits method = "REML".
# The script (a) simulates the data and writes it as CSV into this folder and
# (b) reads it back and writes one <id>.json per fit (numbers as strings,
# sprintf("%.17g"), as in ../criteria/). One line per fit goes to stdout.
# Deterministic: a second run gives identical files.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

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

set.seed(20261210)
n <- 300
x0 <- runif(n); x1 <- runif(n); x2 <- runif(n)
y <- f0(x0) + f1(x1) + f2(x2) / 5 + rnorm(n, sd = 1.2)
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1, x2 = x2), "gaussian_n300.csv")

set.seed(20261211)
n <- 400
x0 <- runif(n); x1 <- runif(n); x2 <- runif(n)
mu <- exp((f0(x0) + f2(x1) / 4) / 2)
y <- rnbinom(n, mu = mu, size = 3)             # overdispersed counts
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1, x2 = x2), "counts_n400.csv")

set.seed(20261212)
n <- 400
x0 <- runif(n); x1 <- runif(n)
mu <- exp(0.3 + 0.6 * f0(x0) + 0.3 * f1(x1))
# Compound Poisson-gamma (Tweedie p = 1.25, phi = 0.8): N ~ Pois(lambda), sum of N gammas.
p <- 1.25; phi <- 0.8
lambda <- mu^(2 - p) / (phi * (2 - p)); alpha <- (2 - p) / (p - 1); gscale <- phi * (p - 1) * mu^(p - 1)
N <- rpois(n, lambda)
y <- vapply(seq_len(n), function(i) if (N[i] == 0) 0 else sum(rgamma(N[i], shape = alpha, scale = gscale[i])), 0)
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1), "tweedie_n400.csv")

set.seed(20261213)
n <- 300
x0 <- runif(n); x1 <- runif(n)
trials <- sample(5:20, n, replace = TRUE)
pr <- binomial()$linkinv((f0(x0) + f1(x1) - 4) / 1.5)
# Overdispersed: beta-binomial.
pb <- rbeta(n, pr * 4, (1 - pr) * 4)
succ <- rbinom(n, trials, pb)
write_num_csv(data.frame(prop = succ / trials, trials = trials, x0 = x0, x1 = x1), "quasibinomial_n300.csv", 17)

num <- function(v) I(sprintf("%.17g", as.numeric(v)))
first100 <- function(v) num(as.numeric(v)[seq_len(min(100, length(v)))])

cases <- list(
  list(id = "term_sp_s", data = "gaussian_n300.csv", formula = "y ~ s(x0, sp = 0.1) + s(x1) + s(x2)",
       family = quote(gaussian())),
  list(id = "term_sp_te", data = "gaussian_n300.csv", formula = "y ~ te(x0, x1, sp = c(0.5, 2)) + s(x2)",
       family = quote(gaussian())),
  list(id = "model_sp_negative", data = "gaussian_n300.csv", formula = "y ~ s(x0) + s(x1) + s(x2)",
       family = quote(gaussian()), sp = c(-1, 5, -1)),
  list(id = "model_sp_and_term_sp", data = "gaussian_n300.csv", formula = "y ~ s(x0, sp = 0.1) + s(x1) + s(x2)",
       family = quote(gaussian()), sp = c(2, -1, 0.01)),
  list(id = "all_sp_gaussian", data = "gaussian_n300.csv", formula = "y ~ s(x0) + s(x1) + s(x2)",
       family = quote(gaussian()), sp = c(0.1, 10, 1)),
  list(id = "all_sp_poisson", data = "counts_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = quote(poisson()), sp = c(1, 0.5)),
  list(id = "min_sp_gaussian", data = "gaussian_n300.csv", formula = "y ~ s(x0) + s(x1) + s(x2)",
       family = quote(gaussian()), min.sp = c(5, 0, 0.5)),
  list(id = "min_sp_poisson", data = "counts_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = quote(poisson()), min.sp = c(2, 2)),
  list(id = "negbin3", data = "counts_n400.csv", formula = "y ~ s(x0) + s(x1) + s(x2)",
       family = quote(negbin(3))),
  list(id = "tweedie125_log", data = "tweedie_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = quote(Tweedie(1.25))),
  list(id = "tweedie125_power01", data = "tweedie_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = quote(Tweedie(1.25, link = power(0.1)))),
  list(id = "quasipoisson", data = "counts_n400.csv", formula = "y ~ s(x0) + s(x1) + x2",
       family = quote(quasipoisson())),
  list(id = "quasibinomial", data = "quasibinomial_n300.csv", formula = "prop ~ s(x0) + s(x1)",
       family = quote(quasibinomial()), weights = "trials")
)

for (cs in cases) {
  d <- read.csv(cs$data)
  warns <- character(0)
  args <- list(formula = as.formula(cs$formula), family = eval(cs$family), data = d, method = "REML")
  if (!is.null(cs$sp)) args$sp <- cs$sp
  if (!is.null(cs$min.sp)) args$min.sp <- cs$min.sp
  if (!is.null(cs$weights)) args$weights <- d[[cs$weights]]
  b <- withCallingHandlers(do.call(gam, args), warning = function(w) {
    warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  sm <- summary(b)
  printed <- capture.output(print(sm))
  oi <- b$outer.info
  full_sp <- if (is.null(b$full.sp)) b$sp else b$full.sp
  out <- list(
    id = cs$id, data = cs$data, formula = cs$formula,
    family_call = deparse(cs$family), family = b$family$family, link = b$family$link,
    weights = cs$weights,
    sp_arg = if (is.null(cs$sp)) NULL else num(cs$sp),
    min_sp_arg = if (is.null(cs$min.sp)) NULL else num(cs$min.sp),
    criterion = num(b$gcv.ubre),
    scale = num(b$sig2), scale_estimated = as.logical(b$scale.estimated),
    edf_total = num(sum(b$edf)),
    smooths = lapply(seq_along(b$smooth), function(i) {
      s <- b$smooth[[i]]
      list(label = s$label, edf = num(sum(b$edf[s$first.para:s$last.para])))
    }),
    sp = num(as.numeric(b$sp)), full_sp = num(as.numeric(full_sp)),
    coefficients = list(names = names(coef(b)), values = num(coef(b))),
    deviance = num(b$deviance),
    # AIC and logLik's df (edf2 over the free smoothing parameters); NA for quasi families.
    aic = num(AIC(b)), loglik_df = num(attr(logLik(b), "df")),
    outer_iter = if (is.null(oi$iter)) NULL else num(oi$iter),
    convergence = if (is.null(oi$conv)) NULL else as.character(oi$conv),
    p_table = if (nrow(sm$p.table)) list(names = rownames(sm$p.table), colnames = colnames(sm$p.table),
      values = lapply(seq_len(ncol(sm$p.table)), function(j) num(sm$p.table[, j]))) else NULL,
    s_table = list(names = rownames(sm$s.table), colnames = colnames(sm$s.table),
      values = lapply(seq_len(ncol(sm$s.table)), function(j) num(sm$s.table[, j]))),
    linear_predictor = first100(b$linear.predictors),
    fitted = first100(fitted(b)),
    summary_text = printed,
    warnings = warns
  )
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null"), paste0(cs$id, ".json"))
  cat(sprintf("%-22s REML=%-22s edf=%-8s iter=%s sp=%s scale=%s%s\n", cs$id, sprintf("%.15g", b$gcv.ubre),
              sprintf("%.4f", sum(b$edf)), if (is.null(oi$iter)) "NA" else oi$iter,
              paste(sprintf("%.4g", full_sp), collapse = ","), sprintf("%.5g", b$sig2),
              if (length(warns)) paste0(" WARN: ", paste(unique(warns), collapse = " | ")) else ""))
}
