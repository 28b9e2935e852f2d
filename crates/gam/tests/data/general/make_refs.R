# How the references in this folder were made (mgcv 1.8-41, R 4.2.2). Not run in CI:
#   cd crates/gam/tests/data/general && Rscript make_refs.R
# mgcv's general (several linear predictors) families, issue 17 item 2: gaulss first.
# The script (a) simulates the data it needs with a seed and writes it as CSV here and
# (b) reads it back, fits each case and writes <id>.json (numbers as "%.17g" strings) with
# mgcv's criterion, smoothing parameters, EDF per smooth, coefficients, fitted values (both
# predictors), predictions on new data with standard errors, the summary printout and the
# median of 5 fit times. One line per case goes to stdout.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_num_csv <- function(d, file, digits = 15) {
  out <- as.data.frame(lapply(d, function(v) sprintf(paste0("%.", digits, "g"), v)),
                       stringsAsFactors = FALSE)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}

## ---------------------------------------------------------------- data sets
# gaulss_n400.csv: y ~ N(mu, sigma^2) with mu a sum of two smooths of x1, x2 and a linear x3,
# and log sigma a smooth of x1 (mgcv's gaulss: sigma = b + exp(eta2) with b = 0.01, eta2 on
# its logb link of 1/sigma).
set.seed(20261214)
n <- 400
x1 <- runif(n); x2 <- runif(n); x3 <- runif(n)
mu <- 1 + sin(2 * pi * x1) + 2 * (x2 - 0.5)^2 + 0.5 * x3
sigma <- exp(-1.2 + 1.0 * x1 + 0.4 * sin(2 * pi * x2))
y <- rnorm(n, mu, sigma)
write_num_csv(data.frame(y = y, x1 = x1, x2 = x2, x3 = x3), "gaulss_n400.csv")

## ---------------------------------------------------------------- cases
cases <- list(
  list(id = "gaulss_reml", formula = "list(y ~ s(x1) + s(x2) + x3, ~ s(x1))", method = "REML"),
  list(id = "gaulss_two_sigma", formula = "list(y ~ s(x1) + s(x2), ~ s(x1) + s(x2) + x3)",
       method = "REML"),
  list(id = "gaulss_ml", formula = "list(y ~ s(x1) + s(x2) + x3, ~ s(x1))", method = "ML")
)

num <- function(v) I(sprintf("%.17g", as.numeric(v)))

d <- read.csv("gaulss_n400.csv")
nd <- d[1:40, ]
for (cs in cases) {
  f <- eval(parse(text = cs$formula))
  b <- gam(f, family = gaulss(), data = d, method = cs$method)
  times <- sapply(1:5, function(i) system.time(gam(f, family = gaulss(), data = d,
                                                   method = cs$method))[["elapsed"]])
  sm <- summary(b)
  st <- sm$s.table; pt <- sm$p.table
  lp <- predict(b, nd, se.fit = TRUE)
  rp <- predict(b, nd, type = "response", se.fit = TRUE)
  lpi <- attr(predict(b, nd, type = "lpmatrix"), "lpi")
  out <- list(
    id = cs$id, data = "gaulss_n400.csv", formula = cs$formula, family = "gaulss",
    method = cs$method, n = num(nrow(b$model)), n_coef = num(length(coef(b))),
    lpi = lapply(lpi, function(v) num(v)),
    criterion = num(b$gcv.ubre), sp = num(b$sp), sp_names = names(b$sp),
    edf_total = num(sum(b$edf)),
    smooths = lapply(seq_along(b$smooth), function(i) {
      s <- b$smooth[[i]]
      list(label = s$label, edf = num(sum(b$edf[s$first.para:s$last.para])))
    }),
    coef_names = names(coef(b)), coefficients = num(coef(b)),
    deviance = num(b$deviance), null_deviance = num(b$null.deviance),
    loglik = num(as.numeric(logLik(b))), aic = num(AIC(b)),
    outer_iter = num(b$outer.info$iter),
    fitted_mu = num(b$fitted.values[, 1]), fitted_tau = num(b$fitted.values[, 2]),
    lp_mu = num(b$linear.predictors[, 1]), lp_sigma = num(b$linear.predictors[, 2]),
    pred_link = lapply(1:2, function(j) num(lp$fit[, j])),
    pred_link_se = lapply(1:2, function(j) num(lp$se.fit[, j])),
    pred_response = lapply(1:2, function(j) num(rp$fit[, j])),
    pred_response_se = lapply(1:2, function(j) num(rp$se.fit[, j])),
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
  cat(sprintf("%-18s crit=%.12g sp=%s iter=%d time=%.3fs\n", cs$id, b$gcv.ubre,
              paste(format(b$sp, digits = 6), collapse = " "),
              as.integer(b$outer.info$iter), median(times)))
}
