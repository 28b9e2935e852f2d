# How the gevlss and shash references in this folder were made (mgcv 1.8-41, R 4.2.2). Not
# run in CI:
#   cd crates/gam/tests/data/general && Rscript make_lss34_refs.R
# mgcv's general families gevlss (GEV: mu, log sigma, xi on mgcv's shifted logit) and shash
# (sinh-arcsinh: mu, log sigma on mgcv's logeb link, epsilon, log delta), issue 17.
# The script (a) simulates its data with a seed (n = 400, a smooth in mu and one in sigma,
# constants in the other predictors) and writes it as CSV here, and (b) reads it back, fits
# each case and writes <id>.json (numbers as "%.17g" strings) with mgcv's criterion,
# smoothing parameters, EDF per smooth, coefficients, fitted values and linear predictors of
# every predictor, predictions on new data (link and response scales, with standard errors),
# the summary printout and the median of 5 fit times. One line per case goes to stdout.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_num_csv <- function(d, file, digits = 15) {
  out <- as.data.frame(lapply(d, function(v) sprintf(paste0("%.", digits, "g"), v)),
                       stringsAsFactors = FALSE)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}

## ---------------------------------------------------------------- data sets
# gevlss_n400.csv: y ~ GEV(mu, sigma, xi) by the inverse cdf, mu a smooth of x1, log sigma a
# smooth of x2, xi = 0.15.
set.seed(20261207)
n <- 400
x1 <- runif(n); x2 <- runif(n)
mu <- 1 + sin(2 * pi * x1)
sigma <- exp(-0.6 + 0.8 * (x2 - 0.5)^2 * 4)
xi <- 0.15
y <- mu + sigma * ((-log(runif(n)))^(-xi) - 1) / xi
write_num_csv(data.frame(y = y, x1 = x1, x2 = x2), "gevlss_n400.csv")

# shash_n400.csv: y = mu + delta sigma sinh(asinh(z)/delta + eps/delta), z standard normal
# (mgcv's shash rd), mu a smooth of x1, log sigma a smooth of x2, eps = 0.4, delta = 0.75.
set.seed(20261208)
x1 <- runif(n); x2 <- runif(n)
mu <- 2 * x1 + cos(2 * pi * x1)
sigma <- exp(-0.5 + 0.6 * sin(pi * x2))
eps <- 0.4; delta <- 0.75
y <- mu + delta * sigma * sinh(asinh(rnorm(n)) / delta + eps / delta)
write_num_csv(data.frame(y = y, x1 = x1, x2 = x2), "shash_n400.csv")

## ---------------------------------------------------------------- cases
cases <- list(
  list(id = "gevlss_reml", data = "gevlss_n400.csv", family = "gevlss", nlp = 3,
       formula = "list(y ~ s(x1), ~ s(x2), ~ 1)"),
  list(id = "shash_reml", data = "shash_n400.csv", family = "shash", nlp = 4,
       formula = "list(y ~ s(x1), ~ s(x2), ~ 1, ~ 1)")
)

num <- function(v) I(sprintf("%.17g", as.numeric(v)))

for (cs in cases) {
  d <- read.csv(cs$data)
  nd <- d[1:40, ]
  f <- eval(parse(text = cs$formula))
  fam <- get(cs$family)
  b <- gam(f, family = fam(), data = d, method = "REML")
  times <- sapply(1:5, function(i) system.time(gam(f, family = fam(), data = d,
                                                   method = "REML"))[["elapsed"]])
  sm <- summary(b)
  st <- sm$s.table; pt <- sm$p.table
  lp <- predict(b, nd, se.fit = TRUE)
  rp <- predict(b, nd, type = "response", se.fit = TRUE)
  lpi <- attr(predict(b, nd, type = "lpmatrix"), "lpi")
  k <- seq_len(cs$nlp)
  out <- list(
    id = cs$id, data = cs$data, formula = cs$formula, family = cs$family,
    method = "REML", n = num(nrow(b$model)), n_coef = num(length(coef(b))),
    lpi = lapply(lpi, function(v) num(v)),
    criterion = num(b$gcv.ubre), sp = num(b$sp), sp_names = names(b$sp),
    edf_total = num(sum(b$edf)),
    smooths = lapply(seq_along(b$smooth), function(i) {
      s <- b$smooth[[i]]
      list(label = s$label, edf = num(sum(b$edf[s$first.para:s$last.para])))
    }),
    coef_names = names(coef(b)), coefficients = num(coef(b)),
    loglik = num(as.numeric(logLik(b))),
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
  cat(sprintf("%-14s crit=%.12g sp=%s iter=%d time=%.3fs\n", cs$id, b$gcv.ubre,
              paste(format(b$sp, digits = 6), collapse = " "),
              as.integer(b$outer.info$iter), median(times)))
  print(sm)
}
