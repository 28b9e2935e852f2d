# How the cnorm references in this folder were made (mgcv 1.8-41, R 4.2.2). Not run in CI:
#   cd crates/gam/tests/data/efam && Rscript make_cnorm_refs.R
# mgcv's censored normal family cnorm (issue 17): the script (a) simulates the data sets with a
# seed and writes them as CSV here (Inf / -Inf in the second response column mark right / left
# censoring, as mgcv reads a two-column response) and (b) reads them back, fits each case and
# writes <id>.json (numbers as "%.17g" strings) with mgcv's criterion, smoothing parameters,
# EDF, sigma, fitted values, residuals, predictions with standard errors, the summary tables and
# printout, and the median of 5 fit times. One line per case goes to stdout.
#
# Case cnorm_gauss is an uncensored response. Our engine fits it as the plain column y; mgcv
# 1.8-41 never returns from gam(y ~ ..., family = cnorm()) with a vector response (its
# dev.resids is 0 without the "censor" attribute, and the fit does not end), so the reference
# is mgcv's fit of the same data as cbind(y, y), which its documentation says is the same model.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_num_csv <- function(d, file, digits = 15) {
  out <- as.data.frame(lapply(d, function(v) sprintf(paste0("%.", digits, "g"), v)),
                       stringsAsFactors = FALSE)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}

## ---------------------------------------------------------------- data sets
# cnorm_n400.csv: y* = 2 + sin(2 pi x0) + 4 (x1 - 0.5)^2 + 0.5 e, e ~ N(0, 1).
#   y        : y* itself (uncensored).
#   lo, hi   : the censored version: y* < 1.6 left-censored (lo = 1.6, hi = -Inf); y* > 3.1
#              right-censored (lo = 3.1, hi = Inf); of the rest every third row interval-censored
#              to the 0.25 grid (lo = floor(4 y*)/4, hi = lo + 0.25); the others uncensored
#              (hi = lo = y*).
set.seed(20261209)
n <- 400
x0 <- runif(n); x1 <- runif(n)
ys <- 2 + sin(2 * pi * x0) + 4 * (x1 - 0.5)^2 + 0.5 * rnorm(n)
lo <- ys; hi <- ys
left <- ys < 1.6; right <- ys > 3.1
mid <- which(!left & !right)
int <- mid[seq_along(mid) %% 3 == 0]
lo[left] <- 1.6; hi[left] <- -Inf
lo[right] <- 3.1; hi[right] <- Inf
lo[int] <- floor(4 * ys[int]) / 4; hi[int] <- lo[int] + 0.25
write_num_csv(data.frame(y = ys, lo = lo, hi = hi, x0 = x0, x1 = x1), "cnorm_n400.csv")
cat(sprintf("cnorm_n400: %d left, %d right, %d interval, %d uncensored\n",
            sum(left), sum(right), length(int), n - sum(left) - sum(right) - length(int)))
# cnorm_aft_n400.csv: positive times with mean exp(0.8 + 0.6 sin(2 pi x0) + 0.5 x1), sd 0.6,
# right-censored at independent censoring times c ~ U(1.5, 6) (lo = c, hi = Inf when t > c)
# and every fifth uncensored row reported only to the unit interval (lo = floor(t), hi = lo + 1,
# lo at least 0.5).
set.seed(20261210)
x0 <- runif(n); x1 <- runif(n)
tt <- exp(0.8 + 0.6 * sin(2 * pi * x0) + 0.5 * x1) + 0.6 * rnorm(n)
tt <- pmax(tt, 0.05)
cc <- runif(n, 1.5, 6)
lo <- pmin(tt, cc); hi <- ifelse(tt > cc, Inf, tt)
unc <- which(is.finite(hi))
rnd <- unc[seq_along(unc) %% 5 == 0]
lo[rnd] <- pmax(floor(tt[rnd]), 0.5); hi[rnd] <- floor(tt[rnd]) + 1
write_num_csv(data.frame(lo = lo, hi = hi, x0 = x0, x1 = x1), "cnorm_aft_n400.csv")
cat(sprintf("cnorm_aft_n400: %d right, %d interval\n", sum(!is.finite(hi)), length(rnd)))

## ---------------------------------------------------------------- cases
# formula: what our engine fits; r: mgcv's response (a matrix column built from the CSV).
cases <- list(
  list(id = "cnorm_gauss", data = "cnorm_n400.csv", formula = "y ~ s(x0) + s(x1)",
       r = c("y", "y"), link = "identity", method = "REML"),
  list(id = "cnorm_mixed_reml", data = "cnorm_n400.csv", formula = "cbind(lo, hi) ~ s(x0) + s(x1)",
       r = c("lo", "hi"), link = "identity", method = "REML"),
  list(id = "cnorm_mixed_ml", data = "cnorm_n400.csv", formula = "cbind(lo, hi) ~ s(x0) + s(x1)",
       r = c("lo", "hi"), link = "identity", method = "ML"),
  list(id = "cnorm_aft_log", data = "cnorm_aft_n400.csv", formula = "cbind(lo, hi) ~ s(x0) + s(x1)",
       r = c("lo", "hi"), link = "log", method = "REML")
)

num <- function(v) I(sprintf("%.17g", as.numeric(v)))

for (cs in cases) {
  d <- read.csv(cs$data)
  d$Y <- cbind(d[[cs$r[1]]], d[[cs$r[2]]])
  f <- Y ~ s(x0) + s(x1)
  fam <- function() cnorm(link = cs$link)
  b <- gam(f, family = fam(), data = d, method = cs$method)
  times <- sapply(1:5, function(i) system.time(gam(f, family = fam(), data = d,
                                                   method = cs$method))[["elapsed"]])
  sm <- summary(b)
  st <- sm$s.table; pt <- sm$p.table
  nd <- d[1:50, ]
  lp <- predict(b, nd, se.fit = TRUE)
  rp <- predict(b, nd, type = "response", se.fit = TRUE)
  ll <- logLik(b)
  # The printout with our formula's text in place of mgcv's "Y".
  txt <- capture.output(print(sm))
  txt <- sub("^Y ~ s\\(x0\\) \\+ s\\(x1\\)$", cs$formula, txt)
  out <- list(
    id = cs$id, data = cs$data, formula = cs$formula, family = "cnorm", link = cs$link,
    method = cs$method, n = num(nrow(b$model)),
    criterion = num(b$gcv.ubre), sp = num(b$sp), scale = num(b$sig2),
    theta = num(b$family$getTheta(TRUE)), family_string = b$family$family,
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
    fitted = num(fitted(b)), y_used = num(d[[cs$r[1]]]), censor = num(d[[cs$r[2]]]),
    residuals_deviance = num(residuals(b, type = "deviance")),
    residuals_response = num(residuals(b, type = "response")),
    residuals_working = num(residuals(b, type = "working")),
    pred_link = num(lp$fit), pred_link_se = num(lp$se.fit),
    pred_response = num(rp$fit), pred_response_se = num(rp$se.fit),
    s_table = lapply(seq_len(nrow(st)), function(i)
      list(label = rownames(st)[i], edf = num(st[i, 1]), ref_df = num(st[i, 2]),
           stat = num(st[i, 3]), p_value = num(st[i, 4]))),
    p_table = lapply(seq_len(nrow(pt)), function(i)
      list(name = rownames(pt)[i], estimate = num(pt[i, 1]), se = num(pt[i, 2]),
           stat = num(pt[i, 3]), p_value = num(pt[i, 4]))),
    r_sq = num(sm$r.sq), dev_expl_summary = num(sm$dev.expl),
    summary_text = txt,
    mgcv_seconds_median = num(median(times))
  )
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null"),
             paste0(cs$id, ".json"))
  cat(sprintf("%-18s crit=%.12g sigma=%.8g sp=%s iter=%d time=%.3fs\n", cs$id, b$gcv.ubre,
              b$family$getTheta(TRUE), paste(format(b$sp, digits = 6), collapse = " "),
              as.integer(b$outer.info$iter), median(times)))
}
