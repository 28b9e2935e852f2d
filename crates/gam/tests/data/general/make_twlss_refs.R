# How the twlss references in this folder were made (mgcv 1.8-41, R 4.2.2). Not run in CI:
#   cd crates/gam/tests/data/general && Rscript make_twlss_refs.R
# mgcv's twlss general family (Tweedie location-scale: log mean, transformed power theta with
# p = (b + a e^-theta)/(1 + e^-theta), a = 1.01, b = 1.99, and log scale rho), issue 17. mgcv
# fits it by the extended Fellner-Schall iteration (efsud, available.derivs = 0).
# The script (a) simulates its data with a seed (n = 400, compound Poisson-gamma responses
# with zeros, mu, p and phi depending on covariates) and writes it as CSV here, and (b) reads
# it back, fits each case and writes <id>.json (numbers as "%.17g" strings) with mgcv's
# criterion, smoothing parameters (and the EFS start and score history), EDF per smooth,
# coefficients, fitted values and linear predictors of every predictor, deviance and null
# deviance, predictions on new data (link and response scales, with standard errors), the
# summary printout and the median of 5 fit times. One line per case goes to stdout.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_num_csv <- function(d, file, digits = 15) {
  out <- as.data.frame(lapply(d, function(v) sprintf(paste0("%.", digits, "g"), v)),
                       stringsAsFactors = FALSE)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}

# A Tweedie draw with row-wise mu, p, phi: N ~ Poisson(mu^(2-p)/(phi (2-p))) gamma summands
# of shape (2-p)/(p-1) and scale phi (p-1) mu^(p-1).
r_tweedie <- function(mu, p, phi) {
  lambda <- mu^(2 - p) / (phi * (2 - p))
  N <- rpois(length(mu), lambda)
  shape <- (2 - p) / (p - 1); scale <- phi * (p - 1) * mu^(p - 1)
  ifelse(N == 0, 0, rgamma(length(mu), shape = N * shape, scale = scale))
}

## ---------------------------------------------------------------- data sets
# twlss_n400.csv: log mu = smooth of x0 + smooth of x1, p = 1.25 + 0.5 x2, log phi a smooth of x1.
set.seed(20261209)
n <- 400
x0 <- runif(n); x1 <- runif(n); x2 <- runif(n)
mu <- exp(0.3 + sin(2 * pi * x0) + 0.6 * x1^2)
p <- 1.25 + 0.5 * x2
phi <- exp(-0.2 + 0.7 * cos(pi * x1))
y <- r_tweedie(mu, p, phi)
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1, x2 = x2), "twlss_n400.csv")

## ---------------------------------------------------------------- cases
cases <- list(
  list(id = "twlss_reml", data = "twlss_n400.csv",
       formula = "list(y ~ s(x0) + s(x1), ~ s(x2), ~ s(x1))"),
  list(id = "twlss_simple_reml", data = "twlss_n400.csv",
       formula = "list(y ~ s(x0), ~ s(x1), ~ 1)")
)

num <- function(v) I(sprintf("%.17g", as.numeric(v)))

# The log smoothing parameters efsud starts from (before its own + 2.5).
efs_start <- NULL
trace("efsud", quote(efs_start <<- lsp), at = 1, print = FALSE, where = asNamespace("mgcv"))

for (cs in cases) {
  d <- read.csv(cs$data)
  nd <- d[1:40, ]
  f <- eval(parse(text = cs$formula))
  b <- gam(f, family = twlss(), data = d, method = "REML")
  start <- efs_start
  times <- sapply(1:5, function(i) system.time(gam(f, family = twlss(), data = d,
                                                   method = "REML"))[["elapsed"]])
  sm <- summary(b)
  st <- sm$s.table; pt <- sm$p.table
  lp <- predict(b, nd, se.fit = TRUE)
  rp <- predict(b, nd, type = "response", se.fit = TRUE)
  lpi <- attr(predict(b, nd, type = "lpmatrix"), "lpi")
  th <- b$fitted.values[, 2]
  pw <- ifelse(th > 0, (1.99 + 1.01 * exp(-th)) / (1 + exp(-th)),
               (1.99 * exp(th) + 1.01) / (exp(th) + 1))
  k <- 1:3
  out <- list(
    id = cs$id, data = cs$data, formula = cs$formula, family = "twlss",
    method = "REML", n = num(nrow(b$model)), n_coef = num(length(coef(b))),
    lpi = lapply(lpi, function(v) num(v)),
    criterion = num(b$gcv.ubre), sp = num(b$sp), sp_names = names(b$sp),
    efs_start_lsp = num(start), score_hist = num(b$outer.info$score.hist),
    edf_total = num(sum(b$edf)),
    smooths = lapply(seq_along(b$smooth), function(i) {
      s <- b$smooth[[i]]
      list(label = s$label, edf = num(sum(b$edf[s$first.para:s$last.para])))
    }),
    coef_names = names(coef(b)), coefficients = num(coef(b)),
    loglik = num(as.numeric(logLik(b))),
    deviance = num(b$deviance), null_deviance = num(b$null.deviance),
    dev_resid = num(residuals(b)), power = num(pw), phi = num(exp(b$fitted.values[, 3])),
    outer_iter = num(b$outer.info$iter),
    fitted = lapply(k, function(j) num(b$fitted.values[, j])),
    lp = lapply(k, function(j) num(b$linear.predictors[, j])),
    pred_link = lapply(k, function(j) num(lp$fit[, j])),
    pred_link_se = lapply(k, function(j) num(lp$se.fit[, j])),
    pred_response = lapply(k, function(j) num(rp$fit[, j])),
    pred_response_se = lapply(k, function(j) num(rp$se.fit[, j])),
    s_table = lapply(seq_len(nrow(st)), function(i)
      list(label = rownames(st)[i], edf = num(st[i, 1]), ref_df = num(st[i, 2]),
           stat = num(st[i, 3]), p_value = num(st[i, 4]))),
    p_table = lapply(seq_len(nrow(pt)), function(i)
      list(name = rownames(pt)[i], estimate = num(pt[i, 1]), se = num(pt[i, 2]),
           stat = num(pt[i, 3]), p_value = num(pt[i, 4]))),
    summary_text = capture.output(print(sm)),
    mgcv_seconds_median = num(median(times))
  )
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null"),
             paste0(cs$id, ".json"))
  cat(sprintf("%-18s crit=%.12g sp=%s iter=%d time=%.3fs zeros=%d\n", cs$id, b$gcv.ubre,
              paste(format(b$sp, digits = 6), collapse = " "),
              as.integer(b$outer.info$iter), median(times), sum(d$y == 0)))
  cat("efs start lsp:", format(start, digits = 10), "\n")
  cat("score hist:", format(b$outer.info$score.hist, digits = 12), "\n")
  cat("deviance", b$deviance, "null", b$null.deviance, "sum res^2", sum(residuals(b)^2), "\n")
  print(sm)
}
