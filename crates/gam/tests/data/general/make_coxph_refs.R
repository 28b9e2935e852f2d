# How the cox.ph references in this folder were made (mgcv 1.8-41, R 4.2.2). Not run in CI:
#   cd crates/gam/tests/data/general && Rscript make_coxph_refs.R
# mgcv's cox.ph family (issue 17): one linear predictor without intercept, the response the
# event or censoring time, the event indicator (1 = event, 0 = censored) given as weights.
# The script (a) simulates survival data with a seed (two smooth effects, ~30% censored, times
# rounded so that some are tied) and writes it as CSV here, and (b) fits each case and writes
# <id>.json (numbers as "%.17g" strings): mgcv's criterion, smoothing parameters, EDF per
# smooth, coefficients, linear predictor, fitted survival, predictions on new (x, t) rows on
# the link and response (survival) scales with standard errors, the summary printout and the
# median of 5 fit times.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_num_csv <- function(d, file, digits = 15) {
  out <- as.data.frame(lapply(d, function(v) sprintf(paste0("%.", digits, "g"), v)),
                       stringsAsFactors = FALSE)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}

## ---------------------------------------------------------------- data
# coxph_n400.csv: hazard exp(f1(x1) + f2(x2)) times a Weibull baseline; censoring times
# exponential, rate chosen for ~30% censoring; times rounded to 3 decimals (ties).
set.seed(20261207)
n <- 400
x1 <- runif(n); x2 <- runif(n)
eta <- sin(2 * pi * x1) + 1.5 * (x2 - 0.5)^2 * 4 - 1
u <- runif(n)
tev <- (-log(u) / exp(eta))^(1 / 1.5)
tcen <- rexp(n, rate = 0.22)
time <- round(pmin(tev, tcen), 3)
time[time <= 0] <- 0.01
status <- as.numeric(tev <= tcen)
write_num_csv(data.frame(time = time, status = status, x1 = x1, x2 = x2), "coxph_n400.csv")
# coxph_new.csv: new rows for prediction, with times inside, below and beyond the data's.
set.seed(7)
nn <- 30
nd <- data.frame(time = c(round(runif(nn - 2, 0.02, max(time)), 2), 0.001, max(time) + 1),
                 status = 1, x1 = runif(nn), x2 = runif(nn))
write_num_csv(nd, "coxph_new.csv")

num <- function(v) I(sprintf("%.17g", as.numeric(v)))

d <- read.csv("coxph_n400.csv")
nd <- read.csv("coxph_new.csv")
cat(sprintf("n = %d, censored = %.1f%%, tied times = %d\n", nrow(d), 100 * mean(d$status == 0),
            sum(duplicated(d$time))))
cases <- list(
  list(id = "coxph_reml", formula = "time ~ s(x1) + s(x2)")
)
for (cs in cases) {
  f <- as.formula(cs$formula)
  b <- gam(f, family = cox.ph(), data = d, weights = status, method = "REML")
  times <- sapply(1:5, function(i) system.time(gam(f, family = cox.ph(), data = d,
                                                   weights = status, method = "REML"))[["elapsed"]])
  sm <- summary(b)
  st <- sm$s.table
  lp <- predict(b, nd, se.fit = TRUE)
  rp <- predict(b, nd, type = "response", se.fit = TRUE)
  out <- list(
    id = cs$id, data = "coxph_n400.csv", newdata = "coxph_new.csv", formula = cs$formula,
    family = "cox.ph", method = "REML", n = num(nrow(b$model)), n_coef = num(length(coef(b))),
    criterion = num(b$gcv.ubre), sp = num(b$sp), sp_names = names(b$sp),
    edf_total = num(sum(b$edf)),
    smooths = lapply(seq_along(b$smooth), function(i) {
      s <- b$smooth[[i]]
      list(label = s$label, edf = num(sum(b$edf[s$first.para:s$last.para])))
    }),
    coef_names = names(coef(b)), coefficients = num(coef(b)),
    deviance = num(b$deviance), null_deviance = num(b$null.deviance),
    loglik = num(as.numeric(logLik(b))),
    outer_iter = num(b$outer.info$iter),
    linear_predictor = num(b$linear.predictors), fitted_survival = num(b$fitted.values),
    pred_link = num(lp$fit), pred_link_se = num(lp$se.fit),
    pred_response = num(rp$fit), pred_response_se = num(rp$se.fit),
    s_table = lapply(seq_len(nrow(st)), function(i)
      list(label = rownames(st)[i], edf = num(st[i, 1]), ref_df = num(st[i, 2]),
           stat = num(st[i, 3]), p_value = num(st[i, 4]))),
    summary_text = capture.output(print(sm)),
    mgcv_seconds_median = num(median(times))
  )
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null"),
             paste0(cs$id, ".json"))
  cat(sprintf("%-12s crit=%.12g sp=%s iter=%d time=%.3fs\n", cs$id, b$gcv.ubre,
              paste(format(b$sp, digits = 6), collapse = " "),
              as.integer(b$outer.info$iter), median(times)))
}
