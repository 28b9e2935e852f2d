# How the references in this folder were made (mgcv 1.8-41). Not run in CI:
#   cd crates/gam/tests/data/t2 && Rscript make_reference.R [case ...]
# Issue 16: t2() tensor products (Wood, Scheipl & Faraway 2013). Writes
# t2_n300.csv (training data), t2_new.csv (new data) and one <case>.json per
# model with mgcv's model matrix G$X and penalties G$S (gam(..., fit = FALSE),
# the fitting parameterisation), the term's raw basis from smoothCon
# (absorb.cons = FALSE), and the REML fit: score, full.sp, per-smooth EDF,
# fitted values, coefficients (the reporting parameterisation), predictions
# with standard errors, and the summary's smooth table. Deterministic.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

source("../ref_common.R") # write_csv, num

set.seed(20261208)
n <- 300
x <- runif(n); z <- runif(n); w <- runif(n)
fac <- sample(c("a", "b"), n, replace = TRUE)
eta <- sin(2 * pi * x) * cos(2 * z) + 0.6 * x * z + 0.5 * w^2 + (fac == "b") * 0.5 * z
y <- eta + rnorm(n, sd = 0.25)
yc <- rpois(n, exp(0.4 + 0.7 * eta))
m <- 40
new <- data.frame(x = runif(m), z = runif(m), w = runif(m), fac = sample(c("a", "b"), m, TRUE))
write_csv(data.frame(y = y, yc = yc, x = x, z = z, w = w, fac = fac), "t2_n300.csv")
write_csv(new, "t2_new.csv")

# mgcv's reTest (mgcv.r 3551-3590, with recov's m > 0 branch; no other random
# terms in these models) in the reporting parameterisation alone: the factor
# Rp of the lpmatrix and the penalties Sp instead of the fitting R and S.
re_test <- function(b, m, Rp) {
  np <- length(coef(b)); S1 <- matrix(0, np, np); k <- 1
  for (s in b$smooth) {
    SS <- if (!is.null(s$Sp)) s$Sp else s$S
    ind <- s$first.para:s$last.para
    for (j in seq_along(SS)) { S1[ind, ind] <- S1[ind, ind] + b$sp[k] * SS[[j]]; k <- k + 1 }
  }
  LRB <- rbind(Rp, t(mroot(S1)))
  ii <- b$smooth[[m]]$first.para:b$smooth[[m]]$last.para
  LRB <- cbind(LRB[, -ii], LRB[, ii])
  jj <- (ncol(LRB) - length(ii) + 1):ncol(LRB)
  Rm <- qr.R(qr(LRB, tol = 0, LAPACK = FALSE))[jj, jj]
  B <- mroot(((t(b$Ve) + b$Ve) * .5)[ii, ii, drop = FALSE])
  stat <- sum((Rm %*% coef(b)[ii])^2) / b$sig2
  ev <- eigen(crossprod(Rm %*% B) / b$sig2, symmetric = TRUE, only.values = TRUE)$values
  ev[ev < 0] <- 0
  rank <- sum(ev > max(ev) * .Machine$double.eps^.8)
  pval <- if (b$scale.estimated) {
    kk <- max(1, round(b$df.residual))
    mgcv:::psum.chisq(0, c(ev, -stat / kk), df = c(rep(1, length(ev)), kk))
  } else mgcv:::psum.chisq(stat, ev)
  c(if (b$scale.estimated) stat / rank else stat, pval)
}
d <- read.csv("t2_n300.csv", stringsAsFactors = TRUE)
nd <- read.csv("t2_new.csv", stringsAsFactors = TRUE)

cases <- list(
  list(id = "t2_cr", formula = "y ~ t2(x, z)", term = "t2(x, z)", family = gaussian()),
  list(id = "t2_cc", formula = "y ~ t2(x, z, bs = \"cc\", k = 6)", term = "t2(x, z, bs = \"cc\", k = 6)",
       family = gaussian()),
  list(id = "t2_tp_pois", formula = "yc ~ t2(x, z, bs = \"tp\", k = 6)", term = "t2(x, z, bs = \"tp\", k = 6)",
       family = poisson()),
  list(id = "t2_full", formula = "y ~ t2(x, z, full = TRUE)", term = "t2(x, z, full = TRUE)", family = gaussian()),
  list(id = "t2_ord", formula = "y ~ s(x) + s(z) + t2(x, z, ord = 2)", term = "t2(x, z, ord = 2)",
       family = gaussian()),
  list(id = "t2_three", formula = "y ~ t2(x, z, w, k = 4)", term = "t2(x, z, w, k = 4)", family = gaussian()),
  list(id = "t2_d", formula = "y ~ t2(x, z, w, d = c(2, 1), k = c(10, 5))",
       term = "t2(x, z, w, d = c(2, 1), k = c(10, 5))", family = gaussian()),
  list(id = "t2_by", formula = "y ~ fac + t2(x, z, by = fac, k = 4)", term = "t2(x, z, k = 4)", family = gaussian()),
  list(id = "t2_ps_pois", formula = "yc ~ t2(x, z, bs = c(\"ps\", \"cr\"), k = c(8, 5))",
       term = "t2(x, z, bs = c(\"ps\", \"cr\"), k = c(8, 5))", family = poisson()),
  # Beside smooths of its own covariates: gam.side deletes columns in the
  # fitting and (as many) in the reporting parameterisation.
  list(id = "t2_side", formula = "y ~ s(x) + s(z) + t2(x, z)", term = "t2(x, z)", family = gaussian()),
  list(id = "t2_side_pois", formula = "yc ~ s(x) + t2(x, z, w, d = c(1, 2))", term = "t2(x, z, w, d = c(1, 2))",
       family = poisson())
)
# Rscript make_reference.R [case ...]: only the cases named.
only <- commandArgs(trailingOnly = TRUE)
if (length(only)) cases <- Filter(function(cs) cs$id %in% only, cases)
for (cs in cases) {
  f <- as.formula(cs$formula)
  G <- gam(f, family = cs$family, data = d, method = "REML", fit = FALSE)
  b <- gam(f, family = cs$family, data = d, method = "REML")
  sm <- smoothCon(eval(parse(text = cs$term)), data = d, knots = NULL, absorb.cons = FALSE)[[1]]
  pr <- predict(b, nd, type = "link", se.fit = TRUE)
  st <- summary(b)$s.table
  # mgcv tests a t2() term with R of the fitting parameterisation but the
  # coefficients and Vp of the reporting one, a mixture that depends on
  # eigenvector signs; the same test in the reporting parameterisation alone
  # (mgcv's testStat on the QR factor of the lpmatrix) is what gam reports.
  Xp <- predict(b, type = "lpmatrix")
  w <- sqrt(b$weights)
  qx <- qr(w * Xp)
  Rp <- qr.R(qx)[, order(qx$pivot)]
  one <- lapply(seq_along(b$smooth), function(i) {
    s <- b$smooth[[i]]
    if (s$null.space.dim == 0) return(re_test(b, i, Rp))
    ind <- s$first.para:s$last.para
    res <- mgcv:::testStat(b$coefficients[ind], Rp[, ind, drop = FALSE], b$Vp[ind, ind, drop = FALSE],
                           min(length(ind), sum(b$edf1[ind])), type = 0,
                           res.df = if (b$scale.estimated) b$df.residual else -1)
    c(if (b$scale.estimated) res$stat / res$rank else res$stat, res$pval)
  })
  t0 <- proc.time()[["elapsed"]]
  reps <- 10
  for (r in seq_len(reps)) gam(f, family = cs$family, data = d, method = "REML")
  secs <- (proc.time()[["elapsed"]] - t0) / reps
  out <- list(
    id = cs$id, data = "t2/t2_n300.csv", newdata = "t2/t2_new.csv",
    formula = cs$formula, family = b$family$family, link = b$family$link,
    n_coef = ncol(G$X), X = num(t(G$X)),
    S = lapply(seq_along(G$S), function(i) list(off = G$off[i], dim = ncol(G$S[[i]]), S = num(G$S[[i]]))),
    L = NULL,
    raw_X = num(t(sm$X)), raw_p = ncol(sm$X), raw_labels = names(sm$S),
    coef_names = names(coef(b)), coef = num(coef(b)),
    reml = num(b$gcv.ubre), sp = num(b$sp), full_sp = num(if (is.null(b$full.sp)) b$sp else b$full.sp),
    full_sp_names = names(if (is.null(b$full.sp)) b$sp else b$full.sp),
    edf = num(sapply(b$smooth, function(s) sum(b$edf[s$first.para:s$last.para]))),
    labels = sapply(b$smooth, function(s) s$label),
    fitted = num(b$fitted.values),
    pred = num(pr$fit), pred_se = num(pr$se.fit),
    s_edf = num(st[, 1]), s_ref_df = num(st[, 2]), s_stat_mgcv = num(st[, 3]), s_p_mgcv = num(st[, 4]),
    s_stat = num(sapply(one, `[`, 1)), s_p = num(sapply(one, `[`, 2)),
    mgcv_seconds = num(secs)
  )
  del <- unlist(lapply(G$smooth, function(s) if (grepl("^t2", s$label)) attr(s, "del.index")))
  if (!is.null(del)) out$del_index <- I(as.integer(del)) # gam.side's, in the reporting parameterisation
  if (cs$id == "t2_cr") {
    # The surface plot.gam draws (n2 = 40, too.far = 0.1), as the term's
    # predictions with standard errors at its grid, NA where it excludes.
    pdf(NULL); pd <- plot(b, select = 1); dev.off()
    grid <- expand.grid(x = pd[[1]]$x, z = pd[[1]]$y)
    tp <- predict(b, grid, type = "terms", se.fit = TRUE)
    out$plot <- list(x = num(pd[[1]]$x), y = num(pd[[1]]$y), excluded = as.vector(is.na(pd[[1]]$fit)),
                     fit = num(tp$fit[, 1]), se = num(tp$se.fit[, 1]))
  }
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = FALSE, digits = NA), paste0(cs$id, ".json"))
  cat(cs$id, ": p =", ncol(G$X), " sp =", format(b$sp, digits = 4), " reml =", format(b$gcv.ubre, digits = 10),
      " secs =", format(secs, digits = 3), "\n")
}
