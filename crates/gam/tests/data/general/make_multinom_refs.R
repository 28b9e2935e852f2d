# How the multinom references in this folder were made (mgcv 1.8-41, R 4.2.2). Not run in CI:
#   cd crates/gam/tests/data/general && Rscript make_multinom_refs.R
# mgcv's multinom(K) general family (issue 17): K linear predictors for K + 1 classes coded
# 0..K. The script (a) simulates the data with a seed and writes it as CSV here and (b) reads
# it back, fits each case and writes <id>.json (numbers as "%.17g" strings) with mgcv's
# criterion, smoothing parameters, EDF per smooth, coefficients, fitted class probabilities,
# linear predictors, predictions on new data (link scale: K columns with SEs; response
# scale: K + 1 class probabilities with SEs), the summary printout and the median of 5 fit
# times. One line per case goes to stdout.
#
# Response-scale SEs: mgcv 1.8-41's multinom()$predict (gamlss.r 866-935) clamps negative
# covariances of the linear predictors to 0 and, for K >= 3, fills its covariance table with
# a counter that restarts for every predictor but reads it with one that does not, so its
# SEs are not the delta method it intends. The JSON keeps mgcv's numbers as
# `pred_response_se_mgcv` and gives as `pred_response_se` the delta method computed here
# independently from predict(type = "lpmatrix") and vcov(): se(p_j)^2 = g' C g with
# g_a = dp_j/deta_a = p_j ([j = a] - p_a) and C the joint covariance of the K predictors at
# the row (cross-predictor blocks of Vp included).
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_num_csv <- function(d, file, digits = 15) {
  out <- as.data.frame(lapply(d, function(v) sprintf(paste0("%.", digits, "g"), v)),
                       stringsAsFactors = FALSE)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}

draw_class <- function(eta) {          # eta: n x K, class 0 has eta = 0
  p <- exp(cbind(0, eta)); p <- p / rowSums(p)
  u <- runif(nrow(p))
  rowSums(u > t(apply(p, 1, cumsum)))
}

## ---------------------------------------------------------------- data sets
# multinom_k2_n500.csv: 3 classes; eta1 = smooth of x1 + smooth of x2, eta2 likewise.
set.seed(20261207)
n <- 500
x1 <- runif(n); x2 <- runif(n)
eta1 <- -0.5 + 2 * sin(2 * pi * x1) + 1.5 * (x2 - 0.5)
eta2 <- 0.3 + 3 * (x1 - 0.5)^2 * 4 - 1 + cos(2 * pi * x2)
y <- draw_class(cbind(eta1, eta2))
write_num_csv(data.frame(y = y, x1 = x1, x2 = x2), "multinom_k2_n500.csv")

# multinom_k3_n300.csv: 4 classes, one smooth per predictor plus a linear x3 in the third.
set.seed(20261208)
n <- 300
x1 <- runif(n); x2 <- runif(n); x3 <- runif(n)
eta1 <- 0.5 + 1.5 * sin(2 * pi * x1)
eta2 <- -0.2 + 2 * (x2 - 0.5) + 1.5 * sin(3 * pi * x2)
eta3 <- 0.2 + 1.2 * cos(2 * pi * x1) + x3
y <- draw_class(cbind(eta1, eta2, eta3))
write_num_csv(data.frame(y = y, x1 = x1, x2 = x2, x3 = x3), "multinom_k3_n300.csv")

## ---------------------------------------------------------------- cases
cases <- list(
  list(id = "multinom_k2_reml", data = "multinom_k2_n500.csv", K = 2,
       formula = "list(y ~ s(x1) + s(x2), ~ s(x1) + s(x2))"),
  list(id = "multinom_k3_reml", data = "multinom_k3_n300.csv", K = 3,
       formula = "list(y ~ s(x1), ~ s(x2), ~ s(x1) + x3)")
)

num <- function(v) I(sprintf("%.17g", as.numeric(v)))

# The delta-method SEs of the K + 1 class probabilities at the rows of nd (header comment).
delta_se <- function(b, nd, K) {
  X <- predict(b, nd, type = "lpmatrix")
  lpi <- attr(X, "lpi")
  V <- vcov(b); beta <- coef(b)
  se <- matrix(0, nrow(nd), K + 1)
  for (i in seq_len(nrow(nd))) {
    eta <- sapply(1:K, function(a) sum(X[i, lpi[[a]]] * beta[lpi[[a]]]))
    C <- matrix(0, K, K)
    for (a in 1:K) for (c in 1:K)
      C[a, c] <- drop(X[i, lpi[[a]]] %*% V[lpi[[a]], lpi[[c]]] %*% X[i, lpi[[c]]])
    p <- exp(c(0, eta)); p <- p / sum(p)
    for (j in 0:K) {
      g <- sapply(1:K, function(a) p[j + 1] * ((j == a) - p[a + 1]))
      se[i, j + 1] <- sqrt(max(0, drop(t(g) %*% C %*% g)))
    }
  }
  se
}
cols <- function(m) lapply(seq_len(ncol(m)), function(j) num(m[, j]))

for (cs in cases) {
  d <- read.csv(cs$data)
  nd <- d[1:40, ]
  f <- eval(parse(text = cs$formula))
  b <- gam(f, family = multinom(K = cs$K), data = d, method = "REML")
  times <- sapply(1:5, function(i) system.time(gam(f, family = multinom(K = cs$K), data = d,
                                                   method = "REML"))[["elapsed"]])
  sm <- summary(b)
  st <- sm$s.table; pt <- sm$p.table
  lp <- predict(b, nd, se.fit = TRUE)
  rp <- predict(b, nd, type = "response", se.fit = TRUE)
  lpi <- attr(predict(b, nd, type = "lpmatrix"), "lpi")
  out <- list(
    id = cs$id, data = cs$data, formula = cs$formula, family = sprintf("multinom(K=%d)", cs$K),
    K = cs$K, method = "REML", n = num(nrow(b$model)), n_coef = num(length(coef(b))),
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
    fitted = cols(b$fitted.values), linear_predictors = cols(b$linear.predictors),
    pred_link = cols(lp$fit), pred_link_se = cols(lp$se.fit),
    pred_response = cols(rp$fit), pred_response_se = cols(delta_se(b, nd, cs$K)),
    pred_response_se_mgcv = cols(rp$se.fit),
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
  cat(sprintf("%-18s crit=%.12g sp=%s iter=%d time=%.3fs table=%s\n", cs$id, b$gcv.ubre,
              paste(format(b$sp, digits = 6), collapse = " "),
              as.integer(b$outer.info$iter), median(times), paste(table(d$y), collapse = "/")))
}
