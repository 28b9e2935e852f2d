# How the ordered categorical references in this folder were made (mgcv 1.8-41, R 4.2.2).
# Not run in CI:
#   cd crates/gam/tests/data/efam && Rscript make_ocat_refs.R
# mgcv's ocat() family (issue 17): a latent logistic variable with mean the linear predictor,
# cut at R - 1 points of which the first is fixed at -1 and the other R - 2 are estimated with
# the smoothing parameters. The script (a) simulates the data sets with a seed and writes them as
# CSV here and (b) reads them back, fits each case and writes <id>.json (numbers as "%.17g"
# strings): the criterion, smoothing parameters, EDF, the cut points (getTheta(TRUE)) and
# mgcv's theta (getTheta()), linear predictors, deviance, null deviance, logLik, AIC,
# residuals, predictions on new data on every scale (link, response = class probabilities,
# terms) with standard errors, the summary tables and printouts, and the median of 5 fit
# times. One line per case goes to stdout.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_num_csv <- function(d, file, digits = 15) {
  out <- as.data.frame(lapply(d, function(v) sprintf(paste0("%.", digits, "g"), v)),
                       stringsAsFactors = FALSE)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}
# Categories 1..R of a latent logistic variable with mean eta, cut at `cuts`.
ordered_response <- function(eta, cuts) {
  u <- runif(length(eta))
  latent <- eta + log(u / (1 - u))
  findInterval(latent, c(-Inf, cuts, Inf), left.open = TRUE)
}

## ---------------------------------------------------------------- data sets
# ocat4_n400.csv: R = 4, two smooth effects (one wiggly, one monotone), cut points
# (-1, 0.4, 2.2) on the latent scale.
set.seed(20261210)
n <- 400
x0 <- runif(n); x1 <- runif(n)
eta <- 0.6 + 1.2 * sin(2 * pi * x0) + 2.5 * (x1 - 0.5)
write_num_csv(data.frame(y = ordered_response(eta, c(-1, 0.4, 2.2)), x0 = x0, x1 = x1),
              "ocat4_n400.csv")
# ocat5_n400.csv: R = 5, cut points (-1, 0, 0.8, 2.5).
set.seed(20261211)
n <- 400
x0 <- runif(n); x1 <- runif(n)
eta <- 0.5 + exp(-8 * (x0 - 0.4)^2) * 2 - 1.5 * x1^2
write_num_csv(data.frame(y = ordered_response(eta, c(-1, 0, 0.8, 2.5)), x0 = x0, x1 = x1),
              "ocat5_n400.csv")
# ocat3_n300.csv: R = 3 (one estimated cut point), cut points (-1, 1.5).
set.seed(20261212)
n <- 300
x0 <- runif(n); x1 <- runif(n)
eta <- 0.3 + cos(2 * pi * x0) + x1
write_num_csv(data.frame(y = ordered_response(eta, c(-1, 1.5)), x0 = x0, x1 = x1),
              "ocat3_n300.csv")
# ocat_new.csv: covariates for predictions on new data (shared by every case).
set.seed(20261213)
write_num_csv(data.frame(x0 = runif(40), x1 = runif(40)), "ocat_new.csv")

## ---------------------------------------------------------------- cases
cases <- list(
  list(id = "ocat4_reml", data = "ocat4_n400.csv", R = 4, method = "REML"),
  list(id = "ocat4_ml", data = "ocat4_n400.csv", R = 4, method = "ML"),
  list(id = "ocat5_reml", data = "ocat5_n400.csv", R = 5, method = "REML"),
  list(id = "ocat3_reml", data = "ocat3_n300.csv", R = 3, method = "REML")
)
formula_text <- "y ~ s(x0) + s(x1)"

num <- function(v) I(sprintf("%.17g", as.numeric(v)))
nd <- read.csv("ocat_new.csv")

for (cs in cases) {
  d <- read.csv(cs$data)
  f <- as.formula(formula_text)
  b <- gam(f, family = ocat(R = cs$R), data = d, method = cs$method)
  times <- sapply(1:5, function(i) system.time(gam(f, family = ocat(R = cs$R), data = d,
                                                   method = cs$method))[["elapsed"]])
  sm <- summary(b)
  st <- sm$s.table; pt <- sm$p.table
  lp <- predict(b, nd, se.fit = TRUE)
  rp <- predict(b, nd, type = "response", se.fit = TRUE)
  tp <- predict(b, nd, type = "terms", se.fit = TRUE)
  ll <- logLik(b)
  out <- list(
    id = cs$id, data = cs$data, newdata = "ocat_new.csv", formula = formula_text,
    family = sprintf("ocat(R=%d)", cs$R), R = cs$R, link = "identity",
    method = cs$method, n = num(nrow(b$model)),
    criterion = num(b$gcv.ubre), sp = num(b$sp), scale = num(b$sig2),
    theta = num(b$family$getTheta()), cut_points = num(b$family$getTheta(TRUE)),
    family_string = b$family$family,
    edf_total = num(sum(b$edf)),
    smooths = lapply(seq_along(b$smooth), function(i) {
      s <- b$smooth[[i]]
      list(label = s$label, edf = num(sum(b$edf[s$first.para:s$last.para])))
    }),
    coefficients = num(coef(b)),
    deviance = num(b$deviance), null_deviance = num(b$null.deviance),
    dev_explained = num((b$null.deviance - b$deviance) / b$null.deviance),
    loglik = num(as.numeric(ll)), loglik_df = num(attr(ll, "df")), aic = num(AIC(b)),
    outer_iter = num(b$outer.info$iter),
    linear_predictors = num(b$linear.predictors), fitted = num(fitted(b)), y_used = num(b$y),
    residuals_deviance = num(residuals(b, type = "deviance")),
    residuals_response = num(residuals(b, type = "response")),
    pred_link = num(lp$fit), pred_link_se = num(lp$se.fit),
    # n_new x R, row by row
    pred_response = num(t(rp$fit)), pred_response_se = num(t(rp$se.fit)),
    # n_new x (number of smooths), row by row; the intercept is attr "constant"
    pred_terms = num(t(tp$fit)), pred_terms_se = num(t(tp$se.fit)),
    pred_terms_constant = num(attr(tp, "constant")),
    s_table = lapply(seq_len(nrow(st)), function(i)
      list(label = rownames(st)[i], edf = num(st[i, 1]), ref_df = num(st[i, 2]),
           stat = num(st[i, 3]), p_value = num(st[i, 4]))),
    p_table = lapply(seq_len(nrow(pt)), function(i)
      list(name = rownames(pt)[i], estimate = num(pt[i, 1]), se = num(pt[i, 2]),
           stat = num(pt[i, 3]), p_value = num(pt[i, 4]))),
    dev_expl_summary = num(sm$dev.expl),
    summary_text = capture.output(print(sm)),
    print_text = capture.output(print(b)),
    mgcv_seconds_median = num(median(times))
  )
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null"),
             paste0(cs$id, ".json"))
  cat(sprintf("%-12s crit=%.12g cuts=%s sp=%s iter=%d time=%.3fs\n", cs$id, b$gcv.ubre,
              paste(format(b$family$getTheta(TRUE), digits = 6), collapse = " "),
              paste(format(b$sp, digits = 6), collapse = " "),
              as.integer(b$outer.info$iter), median(times)))
}
