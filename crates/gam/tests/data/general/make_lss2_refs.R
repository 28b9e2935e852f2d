# How the gammals and ziplss references in this folder were made (mgcv 1.8-41, R 4.2.2).
# Not run in CI:   cd crates/gam/tests/data/general && Rscript make_lss2_refs.R
# Issue 17: mgcv's general families gammals (gamma location-scale: log mean on the identity
# link, log scale on mgcv's "log" link th = b + log(1 + exp(eta)), b = -7) and ziplss
# (zero-inflated Poisson: log Poisson mean and the complementary-log-log presence predictor,
# both on identity links). The script simulates its data with a seed, writes it as CSV here,
# reads it back, fits each case and writes <id>.json (numbers as "%.17g" strings): the
# criterion, smoothing parameters, EDF per smooth, coefficients, fitted values and linear
# predictors, deviances, predictions on new data (link and response scales, with standard
# errors), the summary printout and the median of 5 fit times.
#
# Response-scale standard errors: mgcv 1.8-41's family `predict` functions contain slips
# (gammals: `sqrt(ve[2])`, one number, for the scale column; ziplss: the presence
# predictor's variance computed from the mean's model matrix and the covariance clipped at
# 0). The JSON keeps mgcv's numbers (`pred_response_se_mgcv`) and adds the delta-method
# standard errors those functions intend (`pred_response_se`), computed here from
# predict(type = "lpmatrix") and Vp; the Rust tests compare with the latter.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_num_csv <- function(d, file, digits = 15) {
  out <- as.data.frame(lapply(d, function(v) sprintf(paste0("%.", digits, "g"), v)),
                       stringsAsFactors = FALSE)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}
num <- function(v) I(sprintf("%.17g", as.numeric(v)))

## ---------------------------------------------------------------- data sets
# gammals_n400.csv: y ~ Gamma with mean mu = exp(f1(x1) + f2(x2)) and scale phi = exp(th),
# th a smooth of x1 (shape 1/phi, scale mu * phi, as gammals' rd).
set.seed(20261207)
n <- 400
x1 <- runif(n); x2 <- runif(n)
lmu <- 0.5 + 0.8 * sin(2 * pi * x1) + 1.5 * (x2 - 0.5)^2
th <- -1.0 + 0.8 * cos(2 * pi * x1)
phi <- exp(th)
y <- rgamma(n, shape = 1 / phi, scale = exp(lmu) * phi)
write_num_csv(data.frame(y = y, x1 = x1, x2 = x2), "gammals_n400.csv")

# ziplss_n400.csv: zero-inflated Poisson counts: log lambda = f1(x1) + f2(x2), presence
# probability p = 1 - exp(-exp(eta)) with eta a smooth of x1; given presence y is Poisson
# (zeros included), as ziplss' likelihood.
set.seed(20261208)
x1 <- runif(n); x2 <- runif(n)
gam_ <- 0.7 + 0.9 * sin(2 * pi * x2) + 0.8 * x1
eta <- -0.3 + 1.2 * (x1 - 0.5) + 0.8 * sin(pi * x1)
p <- 1 - exp(-exp(eta))
y <- ifelse(runif(n) < p, rpois(n, exp(gam_)), 0)
write_num_csv(data.frame(y = y, x1 = x1, x2 = x2), "ziplss_n400.csv", digits = 15)

## ---------------------------------------------------------------- cases
cases <- list(
  list(id = "gammals_reml", data = "gammals_n400.csv", family = "gammals",
       formula = "list(y ~ s(x1) + s(x2), ~ s(x1))"),
  list(id = "ziplss_reml", data = "ziplss_n400.csv", family = "ziplss",
       formula = "list(y ~ s(x1) + s(x2), ~ s(x1))")
)

# The delta-method standard errors of the family's response-scale prediction.
response_se <- function(b, nd, fam) {
  X <- predict(b, nd, type = "lpmatrix"); lpi <- attr(X, "lpi")
  V <- b$Vp; beta <- coef(b)
  e1 <- drop(X[, lpi[[1]]] %*% beta[lpi[[1]]]); e2 <- drop(X[, lpi[[2]]] %*% beta[lpi[[2]]])
  v11 <- rowSums((X[, lpi[[1]]] %*% V[lpi[[1]], lpi[[1]]]) * X[, lpi[[1]]])
  v22 <- rowSums((X[, lpi[[2]]] %*% V[lpi[[2]], lpi[[2]]]) * X[, lpi[[2]]])
  v12 <- rowSums((X[, lpi[[1]]] %*% V[lpi[[1]], lpi[[2]]]) * X[, lpi[[2]]])
  if (fam == "gammals") {
    list(exp(e1) * sqrt(v11), b$family$linfo[[2]]$mu.eta(e2) * sqrt(v22))
  } else {
    lam <- exp(e1); pr <- 1 - exp(-exp(e2)); m <- lam / (1 - exp(-lam))
    dg <- ((lam + 1) * m - m^2) * pr; de <- exp(-exp(e2)) * exp(e2) * m
    list(sqrt(pmax(0, dg^2 * v11 + de^2 * v22 + 2 * dg * de * v12)))
  }
}

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
  rfit <- as.matrix(rp$fit); rse <- as.matrix(rp$se.fit)
  lpi <- attr(predict(b, nd, type = "lpmatrix"), "lpi")
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
    deviance = num(b$deviance), null_deviance = num(b$null.deviance),
    loglik = num(as.numeric(logLik(b))),
    outer_iter = num(b$outer.info$iter),
    # fitted.values after the family's postproc (gammals: column 1 is exp(eta1)).
    fitted = lapply(1:2, function(j) num(b$fitted.values[, j])),
    lp = lapply(1:2, function(j) num(b$linear.predictors[, j])),
    pred_link = lapply(1:2, function(j) num(lp$fit[, j])),
    pred_link_se = lapply(1:2, function(j) num(lp$se.fit[, j])),
    pred_response = lapply(seq_len(ncol(rfit)), function(j) num(rfit[, j])),
    pred_response_se_mgcv = lapply(seq_len(ncol(rse)), function(j) num(rse[, j])),
    pred_response_se = lapply(response_se(b, nd, cs$family), num),
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
  cat(sprintf("%-14s crit=%.12g sp=%s iter=%d dev=%.6g null=%.6g time=%.3fs\n", cs$id,
              b$gcv.ubre, paste(format(b$sp, digits = 6), collapse = " "),
              as.integer(b$outer.info$iter), b$deviance, b$null.deviance, median(times)))
}
