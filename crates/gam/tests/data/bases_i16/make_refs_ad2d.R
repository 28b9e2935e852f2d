# How the ad2d_* references in this folder were made (mgcv 1.8-41, R 4.2.2, jsonlite). Not run in CI:
#   cd crates/gam/tests/data/bases_i16 && Rscript make_refs_ad2d.R [fit id ...]
# (fit ids: only those fits; the bases are always written). REPS=<n> in the environment times
# each fit over n repetitions instead of 10 (each fit of the default smooth takes mgcv 10 s or
# more; the files here record how many were used, mgcv_reps).
# Issue 16, the adaptive smooth of two covariates s(x, z, bs = "ad"): mgcv's
# smooth.construct.ad.smooth.spec, dim == 2 branch (a te(x, z, bs = <xt$bs>, k = k, m = 2) basis
# with np = FALSE, penalties from D2() weighted by a tensor product penalty basis). Two kinds of file:
#   ad2d_basis_<id>.json: smoothCon(spec, data, absorb.cons = FALSE) (penalties scaled as gam
#     scales them): the model matrix X, every penalty S (scaled) and its S.scale, the centring
#     constraint C, PredictMat at new points (some outside the data), class, margin classes,
#     null.space.dim and rank. Matrices are sparse: 0-based row i, column j and value x of every
#     non-zero entry (penalties: of the upper triangle, diagonal included); the rest are zero;
#   ad2d_fit_<id>.json: gam(method = "REML") as make_refs_bsp.R writes bsp_fit_*, plus the
#     surface plot.gam draws (n2 = 40, too.far = 0.1, fit and se, excluded points), k.check's
#     k-index on all rows, and mgcv's fit time (median of 10 fits, or REPS).
# With a `by` variable mgcv's predict.gam (and plot.gam's by handling, lpmatrix) leave the by
# out -- the smooth object is the inner te() object, whose by is "NA" -- while the fit is right;
# the by_cr references for new data are the fit's own predictions (see below), not predict.gam's.
# Also prints what mgcv does where it cannot build the smooth (kp.tot == 3: an error from inside
# mgcv; xt = "cc": margins of k - 1 coefficients under penalties for k; a penalty basis size of 2:
# te() resets the penalty basis to 5 x 5) -- see basis/ad2d.rs.
# Data are simulated here with fixed seeds, written as CSV and read back. Deterministic except
# the timings.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")
source("../ref_common.R")   # jarr, jscal: doubles written exactly

write_num_csv <- function(d, file, digits = 15) {
  out <- as.data.frame(lapply(d, function(v) if (is.numeric(v)) sprintf(paste0("%.", digits, "g"), v) else as.character(v)),
                       stringsAsFactors = FALSE)
  names(out) <- names(d)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}
# a matrix as its non-zero entries (upper triangle only for a symmetric one), 0-based indices
sparse <- function(m, symmetric = FALSE) {
  m <- as.matrix(m)
  keep <- m != 0
  if (symmetric) keep <- keep & upper.tri(m, diag = TRUE)
  w <- which(keep, arr.ind = TRUE)
  w <- w[order(w[, 1], w[, 2]), , drop = FALSE]
  list(nrow = nrow(m), ncol = ncol(m), symmetric = symmetric,
       i = I(as.integer(w[, 1] - 1)), j = I(as.integer(w[, 2] - 1)), x = jarr(m[w]))
}
write_json_file <- function(out, file)
  writeLines(toJSON(out, auto_unbox = TRUE, json_verbatim = TRUE, null = "null", na = "null", digits = NA), file)

## ---------------------------------------------------------------- data
# a surface whose wiggliness changes in space: fast oscillation near (0, 0), smooth far from it
surface <- function(x, z) sin(3 / (0.15 + x + z)) + 0.5 * z
set.seed(16201); n <- 100
write_num_csv(data.frame(x = runif(n), z = runif(n)), "ad2d_basis_n100.csv")
set.seed(16202); n <- 500
x <- runif(n); z <- runif(n)
fac <- factor(sample(c("a", "b"), n, replace = TRUE))
y <- surface(x, z) + ifelse(fac == "b", 0.5 * x, 0) + rnorm(n, sd = 0.3)
write_num_csv(data.frame(y, x, z, fac), "ad2d_gauss_n500.csv")
set.seed(16203); n <- 500
x <- runif(n); z <- runif(n)
y <- rpois(n, exp(1 + 0.8 * surface(x, z)))
write_num_csv(data.frame(y, x, z), "ad2d_pois_n500.csv")
# new points: inside, on the edge and outside the unit square
write_num_csv(data.frame(x = c(0.02, 0.1, 0.5, 0.93, 1, 0, 0.3, 1.1, -0.05, 0.7),
                         z = c(0.05, 0.8, 0.5, 0.2, 1, 0.4, -0.1, 0.6, 0.5, 1.05),
                         fac = c("a", "b", "a", "b", "a", "b", "a", "b", "a", "b")),
              "ad2d_new.csv")

b100 <- read.csv("ad2d_basis_n100.csv")
nd <- read.csv("ad2d_new.csv", stringsAsFactors = TRUE)

## ---------------------------------------------------------------- what mgcv does at the edges
pb <- function(label, spec) {
  r <- tryCatch(withCallingHandlers(smoothCon(spec, data = b100)[[1]],
                                    warning = function(w) { cat("  warning:", conditionMessage(w), "\n"); invokeRestart("muffleWarning") }),
                error = function(e) paste("ERROR:", conditionMessage(e)))
  cat(sprintf("%-28s %s\n", label, if (is.character(r)) r else
    sprintf("%d columns, %d penalties, rank %s", ncol(r$X), length(r$S), paste(r$rank, collapse = ","))))
}
pb("m = c(1, 3) (kp.tot = 3)", s(x, z, bs = "ad", m = c(1, 3)))
pb("m = c(1, 2)", s(x, z, bs = "ad", m = c(1, 2)))
pb("m = c(2, 2)", s(x, z, bs = "ad", m = c(2, 2)))
pb("m = c(2, 13) (26 > 25)", s(x, z, bs = "ad", m = c(2, 13)))
pb("m = c(5, 5), k = 6 (25 > 16)", s(x, z, bs = "ad", m = 5, k = 6))
pb("m = 0", s(x, z, bs = "ad", m = 0))
pb("xt = cc, m = 2", s(x, z, bs = "ad", m = 2, xt = list(bs = "cc")))
sm <- smoothCon(s(x, z, bs = "ad", k = 8, xt = list(bs = "cc")), data = b100)[[1]]
cat(sprintf("%-28s X has %d columns, S is %d x %d (gam then fails in qr.qty)\n", "xt = cc, k = 8", ncol(sm$X),
            nrow(sm$S[[1]]), ncol(sm$S[[1]])))
pb("three covariates", s(x, z, y, bs = "ad"))

## ---------------------------------------------------------------- bases
basis_case <- function(id, spec) {
  sm <- smoothCon(spec, data = b100, absorb.cons = FALSE)[[1]]
  Xp <- PredictMat(sm, nd)
  out <- list(id = id, term = I(sm$term), class = class(sm)[1],
              margin_class = I(vapply(sm$margin, function(m) class(m)[1], "")),
              null_space_dim = sm$null.space.dim, rank = I(sm$rank),
              X = sparse(sm$X), S = lapply(sm$S, sparse, symmetric = TRUE), S_scale = jarr(sm$S.scale),
              C = jarr(sm$C), Xp = sparse(Xp))
  write_json_file(out, paste0("ad2d_basis_", id, ".json"))
  cat(sprintf("%-10s %s ncol=%d S=%d rank=%s\n", id, paste(out$margin_class, collapse = "*"), ncol(sm$X),
              length(sm$S), paste(sm$rank, collapse = ",")))
}
basis_case("default", s(x, z, bs = "ad"))
basis_case("k10_12", s(x, z, bs = "ad", k = c(10, 12)))
basis_case("m23", s(x, z, bs = "ad", k = 10, m = c(2, 3)))
basis_case("m44", s(x, z, bs = "ad", k = c(9, 8), m = 4))
basis_case("cr", s(x, z, bs = "ad", k = 8, xt = list(bs = "cr")))
basis_case("cp", s(x, z, bs = "ad", k = 9, xt = list(bs = "cp")))
basis_case("m1", s(x, z, bs = "ad", m = 1))

## ---------------------------------------------------------------- fits
cases <- list(
  list(id = "gauss", data = "ad2d_gauss_n500.csv", formula = "y ~ s(x, z, bs = \"ad\")"),
  list(id = "pois", data = "ad2d_pois_n500.csv", family = "poisson", formula = "y ~ s(x, z, bs = \"ad\")"),
  list(id = "by_cr", data = "ad2d_gauss_n500.csv", by = "fac",
       formula = "y ~ fac + s(x, z, bs = \"ad\", k = 8, m = 2, by = fac, xt = list(bs = \"cr\"))"),
  list(id = "m1_k", data = "ad2d_gauss_n500.csv", formula = "y ~ s(x, z, bs = \"ad\", k = c(10, 12), m = 1)")
)
only <- commandArgs(trailingOnly = TRUE)
if (length(only)) cases <- Filter(function(cs) cs$id %in% only, cases)
reps <- as.integer(Sys.getenv("REPS", "10"))
pdf(NULL)
for (cs in cases) {
  d <- read.csv(cs$data, stringsAsFactors = TRUE)
  fam <- if (is.null(cs$family)) gaussian() else get(cs$family)()
  warns <- character(0)
  fitit <- function() withCallingHandlers(
    gam(as.formula(cs$formula), family = fam, data = d, method = "REML"),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  b <- fitit()
  times <- sapply(seq_len(reps), function(i) system.time(fitit())[["elapsed"]])
  newd <- nd[, intersect(names(nd), names(d)), drop = FALSE]
  pr <- predict(b, newd, se.fit = TRUE)
  pr_mgcv <- NULL
  if (!is.null(cs$by)) {
    # mgcv 1.8-41 loses the by variable of a two-covariate ad smooth: the smooth object is the
    # te() object built inside the constructor, whose by is "NA". The fit is right (smoothCon
    # multiplies by the spec's by), but predict.gam, lpmatrix and model.matrix leave the by out.
    # The references are the fit's own predictions: the lpmatrix with the by applied as
    # smoothCon applies it (checked to give the fitted values), with mgcv's Vp.
    stopifnot(all(vapply(b$smooth, function(s) s$by == "NA", TRUE)))
    by_lpmatrix <- function(nd) {
      X <- predict(b, nd, type = "lpmatrix")
      for (s in b$smooth) {
        ind <- s$first.para:s$last.para
        v <- nd[[cs$by]]
        X[, ind] <- X[, ind] * (if (is.factor(v)) as.numeric(v == s$by.level) else v)
      }
      X
    }
    stopifnot(max(abs(by_lpmatrix(d) %*% coef(b) - b$linear.predictors)) < 1e-10)
    Xn <- by_lpmatrix(newd)
    pr_mgcv <- pr
    pr <- list(fit = as.numeric(Xn %*% coef(b)), se.fit = sqrt(rowSums((Xn %*% b$Vp) * Xn)))
  }
  lp <- as.numeric(b$linear.predictors)
  st <- summary(b)
  pl <- plot(b, pages = 1, n2 = 40, too.far = 0.1, seWithMean = FALSE)
  surfaces <- lapply(pl, function(q) list(x = jarr(q[["x"]]), y = jarr(q[["y"]]), fit = jarr(q[["fit"]]),
                                          se = jarr(q[["se"]]), exclude = I(as.logical(q[["exclude"]]))))
  kc <- k.check(b)
  out <- list(
    id = cs$id, data = paste0("bases_i16/", cs$data), formula = cs$formula,
    family = b$family$family, link = b$family$link,
    newdata = "bases_i16/ad2d_new.csv",
    criterion = jscal(b$gcv.ubre),
    smooths = lapply(seq_along(b$smooth), function(i) {
      s <- b$smooth[[i]]
      list(label = s$label, class = class(s)[1], edf = jscal(sum(b$edf[s$first.para:s$last.para])),
           null_space_dim = s$null.space.dim)
    }),
    sp_names = I(names(b$sp)), sp = jarr(b$sp),
    coefficients = list(names = I(names(coef(b))), values = jarr(coef(b))),
    linear_predictor = jarr(lp), sd_y = jscal(sd(b$y)), sd_lp = jscal(sd(lp)),
    predict = jarr(pr$fit), predict_se = jarr(pr$se.fit),
    predict_gam = if (is.null(pr_mgcv)) NULL else list(fit = jarr(pr_mgcv$fit), se = jarr(pr_mgcv$se.fit),
      note = "predict.gam's own values, which leave out the by variable (mgcv 1.8-41's bug); not compared"),
    s_table = list(edf = jarr(st$s.table[, 1]), stat = jarr(st$s.table[, 3]), p = jarr(st$s.table[, 4])),
    surfaces = surfaces,
    k_index = jarr(kc[, 3]),
    mgcv_seconds = jscal(median(times)), mgcv_reps = reps,
    warnings = I(unique(warns))
  )
  write_json_file(out, paste0("ad2d_fit_", cs$id, ".json"))
  cat(sprintf("%-6s crit=%-20s edf=%s sp=%s t=%.3fs%s\n", cs$id, sprintf("%.12g", b$gcv.ubre),
              paste(sprintf("%.3f", sapply(b$smooth, function(s) sum(b$edf[s$first.para:s$last.para]))), collapse = ","),
              paste(sprintf("%.3g", b$sp), collapse = ","), median(times),
              if (length(warns)) paste0(" WARN: ", paste(unique(warns), collapse = " | ")) else ""))
}
invisible(dev.off())
