# How the references in this folder were made (mgcv 1.8-41, R 4.2.2). Not run in CI:
#   cd crates/gam/tests/data/efam && Rscript make_efam_refs.R [case ids...]
# (with case ids, only those cases are refitted; the data sets are always rewritten,
# identically, from their seeds).
# mgcv's extended families (issue 17): beta regression (betar) first. The script
# (a) simulates the data sets it needs with a seed and writes them as CSV here and
# (b) reads them back, fits each case and writes <id>.json (numbers as "%.17g"
# strings) with mgcv's criterion, smoothing parameters, EDF, family parameter,
# fitted values, predictions with standard errors, the summary tables and
# printout, and the median of 5 fit times. One line per case goes to stdout.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_num_csv <- function(d, file, digits = 15) {
  out <- as.data.frame(lapply(d, function(v) sprintf(paste0("%.", digits, "g"), v)),
                       stringsAsFactors = FALSE)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}

## ---------------------------------------------------------------- data sets
# betar_n400.csv: a proportion in (0, 1) with a logit mean of two smooth effects and
# precision phi = 8 (mgcv's theta = phi: mean mu, variance mu (1 - mu) / (1 + phi)).
set.seed(20261207)
n <- 400
x0 <- runif(n); x1 <- runif(n)
mu <- plogis(-0.3 + sin(2 * pi * x0) + 0.8 * (x1 - 0.5)^2 * 4 - 0.5)
y <- rbeta(n, mu * 8, (1 - mu) * 8)
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1), "betar_n400.csv")
# betar_edges_n300.csv: as above with phi = 3 and 6 responses set to exactly 0 or 1,
# which mgcv's betar moves to eps and 1 - eps (eps = 100 * .Machine$double.eps).
set.seed(20261208)
n <- 300
x0 <- runif(n); x1 <- runif(n)
mu <- plogis(0.2 + cos(2 * pi * x0) - x1)
y <- rbeta(n, mu * 3, (1 - mu) * 3)
y[c(5, 50, 100)] <- 0; y[c(7, 70, 200)] <- 1
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1), "betar_edges_n300.csv")

# scat_n400.csv: heavy-tailed (t, 4 df, scale 0.6) residuals about two smooth effects;
# yp is a positive response for the log link (t residuals with scale 0.15 about exp(.)).
set.seed(20261209)
n <- 400
x0 <- runif(n); x1 <- runif(n)
f <- sin(2 * pi * x0) + 2 * (x1 - 0.5)^2
y <- 1 + f + 0.6 * rt(n, 4)
yp <- exp(0.5 + 0.6 * f) + 0.15 * rt(n, 6)
write_num_csv(data.frame(y = y, yp = yp, x0 = x0, x1 = x1), "scat_n400.csv")

# zip_n400.csv: zero-inflated Poisson counts (mgcv's ziP model): log Poisson mean
# gamma = 0.3 + f(x0) + g(x1); a row is present with probability 1 - exp(-exp(eta)),
# eta = -0.3 + 1.2 gamma; a present row is a zero-truncated Poisson draw.
set.seed(20261210)
n <- 400
x0 <- runif(n); x1 <- runif(n)
gam_lp <- 0.3 + sin(2 * pi * x0) + 1.5 * (x1 - 0.5)^2 * 2
lam <- exp(gam_lp)
present <- runif(n) < 1 - exp(-exp(-0.3 + 1.2 * gam_lp))
yz <- numeric(n)
for (i in which(present)) { repeat { v <- rpois(1, lam[i]); if (v > 0) break }; yz[i] <- v }
write_num_csv(data.frame(y = yz, x0 = x0, x1 = x1), "zip_n400.csv")

## ---------------------------------------------------------------- cases
cases <- list(
  list(id = "betar_reml", data = "betar_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = "betar", link = "logit", method = "REML"),
  list(id = "betar_ml", data = "betar_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = "betar", link = "logit", method = "ML"),
  list(id = "betar_probit_edges", data = "betar_edges_n300.csv", formula = "y ~ s(x0) + s(x1)",
       family = "betar", link = "probit", method = "REML"),
  list(id = "betar_cauchit", data = "betar_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = "betar", link = "cauchit", method = "REML"),
  list(id = "scat_reml", data = "scat_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = "scat", link = "identity", method = "REML"),
  list(id = "scat_ml", data = "scat_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = "scat", link = "identity", method = "ML"),
  list(id = "scat_log", data = "scat_n400.csv", formula = "yp ~ s(x0) + s(x1)",
       family = "scat", link = "log", method = "REML"),
  list(id = "zip_reml", data = "zip_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = "ziP", link = "identity", method = "REML"),
  list(id = "zip_ml", data = "zip_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = "ziP", link = "identity", method = "ML"),
  list(id = "zip_b", data = "zip_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = "ziP(b = 0.3)", link = "identity", method = "REML")
)
args <- commandArgs(TRUE)
if (length(args)) cases <- Filter(function(cs) cs$id %in% args, cases)

num <- function(v) I(sprintf("%.17g", as.numeric(v)))
make_family <- function(cs) switch(cs$family, betar = betar(link = cs$link),
                                   scat = scat(link = cs$link), ziP = ziP(),
                                   "ziP(b = 0.3)" = ziP(b = 0.3), stop("family"))

for (cs in cases) {
  d <- read.csv(cs$data)
  f <- as.formula(cs$formula)
  b <- gam(f, family = make_family(cs), data = d, method = cs$method)
  times <- sapply(1:5, function(i) system.time(gam(f, family = make_family(cs), data = d,
                                                   method = cs$method))[["elapsed"]])
  sm <- summary(b)
  st <- sm$s.table; pt <- sm$p.table
  nd <- d[1:50, ]
  lp <- predict(b, nd, se.fit = TRUE)
  rp <- predict(b, nd, type = "response", se.fit = TRUE)
  ll <- logLik(b)
  out <- list(
    id = cs$id, data = cs$data, formula = cs$formula, family = cs$family, link = cs$link,
    method = cs$method, n = num(nrow(b$model)),
    criterion = num(b$gcv.ubre), sp = num(b$sp), scale = num(b$sig2),
    theta = num(b$family$getTheta(TRUE)), theta_working = num(b$family$getTheta()),
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
    fitted = num(fitted(b)), y_used = num(b$y),
    residuals_deviance = num(residuals(b, type = "deviance")),
    pred_link = num(lp$fit), pred_link_se = num(lp$se.fit),
    pred_response = num(rp$fit), pred_response_se = num(rp$se.fit),
    s_table = lapply(seq_len(nrow(st)), function(i)
      list(label = rownames(st)[i], edf = num(st[i, 1]), ref_df = num(st[i, 2]),
           stat = num(st[i, 3]), p_value = num(st[i, 4]))),
    p_table = lapply(seq_len(nrow(pt)), function(i)
      list(name = rownames(pt)[i], estimate = num(pt[i, 1]), se = num(pt[i, 2]),
           stat = num(pt[i, 3]), p_value = num(pt[i, 4]))),
    r_sq = num(sm$r.sq), dev_expl_summary = num(sm$dev.expl),
    summary_text = capture.output(print(sm)),
    mgcv_seconds_median = num(median(times))
  )
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null"),
             paste0(cs$id, ".json"))
  cat(sprintf("%-22s crit=%.12g theta=%s sp=%s iter=%d time=%.3fs\n", cs$id, b$gcv.ubre,
              paste(format(b$family$getTheta(TRUE), digits = 8), collapse = " "),
              paste(format(b$sp, digits = 6), collapse = " "),
              as.integer(b$outer.info$iter), median(times)))
}
