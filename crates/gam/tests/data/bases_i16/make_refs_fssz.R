# How the fs / sz references in this folder were made (mgcv 1.8-41, R 4.2.2). Not run in CI:
#   cd crates/gam/tests/data/bases_i16 && Rscript make_refs_fssz.R
# Issue 16: factor-smooth interactions s(x, fac, bs = "fs") and s(x, fac, bs = "sz").
#
# mgcv's fs reparameterises its base smooth with nat.param(type = 1), whose penalty
# null space comes from eigen(): the null-space eigenvalues are rounding-level zeros,
# so the basis LAPACK returns for that space is any rotation of it (a 1e-14 change in
# x rotates it completely), and fs penalises each null-space column separately, so
# the fit depends on that rotation. The references are therefore made twice:
#  - fssz_basis_*.json "X_mgcv": mgcv as it is (the tests compare it up to a rotation
#    of the null-space columns and column signs);
#  - everything else with nat.param's null-space basis fixed as the engine fixes it
#    (canon_nat_param): Gram-Schmidt of the projections of the monomials 1, x, z, x^2, ...
#    of the standardised numeric covariates (canon_cov), each column the sign that
#    correlates positively with its monomial. These compare column for column, up to
#    the sign of each range-space column (free in eigen()).
# sz does not use nat.param: its references are mgcv's as they are.
#
# Base classes (xt), as mgcv 1.8-41 takes them (checked with smoothCon and gam):
#  - fs and sz take any base with one penalty: tp, cr, ps, cc, cp, gp, ds, bs with m = c(a, b),
#    ad with m = 1 (ad's own base is then ps). A multiply penalised base (bs with
#    m = c(3, 2, 1), ad with its default m = 5) stops with '"fs" smooth cannot use a
#    multiply penalized basis (wrong basis in xt)' (sz alike).
#  - fs needs a penalty null space: ts, cs, re and bs with m = c(3, 0) fail in mgcv ("subscript
#    out of bounds" from fs's null-space loop; re: "missing value where TRUE/FALSE needed" in
#    the fit). sz takes them (its null.space.dim is then 0).
#  - mrf: its area is a factor, which fs counts as a second factor ("fs smooths can only have one
#    factor argument") and sz as one of its factors ("$ operator is invalid for atomic vectors").
# id: sz with an id sums its per-level penalties into one (one smoothing parameter); fs ignores
# an id of its own; two terms sharing an id with an fs or sz among them fail in mgcv's gam.setup
# (the pooled factor columns are no longer factors: "NA/NaN/Inf in foreign function call"), and
# an id shared with a term of another number of covariates is refused ("`id' linked smooths
# must have same number of arguments"); sz with an re base and an id: "random effects don't
# work with ids."
# Numbers are written as "%.17g" strings. A rerun on one machine gives identical files; on
# another, numbers may move at rounding level (relative 1e-11 in the matrices, 1e-8 in a tiny
# sp), eigenvector signs may flip and X_mgcv's null columns rotate: the tests allow all three.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_num_csv <- function(d, file, digits = 15) {
  out <- as.data.frame(lapply(d, function(v) if (is.numeric(v)) sprintf(paste0("%.", digits, "g"), v) else as.character(v)),
                       stringsAsFactors = FALSE)
  names(out) <- names(d)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}
num <- function(v) I(sprintf("%.17g", as.numeric(v)))
mat <- function(m) { m <- as.matrix(m); lapply(seq_len(nrow(m)), function(i) num(m[i, ])) }
save_json <- function(out, file) writeLines(toJSON(out, auto_unbox = TRUE, na = "null", null = "null"), file)

source("../fs_canon.R") # orig_nat_param, canon_nat_param (reads canon_cov), use_nat_param

## ---------------------------------------------------------------- data
set.seed(16011); n <- 300
x <- runif(n); z <- runif(n)
g <- factor(sample(c("a", "b", "c", "d"), n, replace = TRUE))
h <- factor(sample(c("p", "q", "r"), n, replace = TRUE))
gi <- as.integer(g); hi <- as.integer(h)
shift <- c(-0.5, 0.3, 0.8, -0.2)[gi]; slope <- c(1, -1, 0.5, 0)[gi]; freq <- c(1, 1.5, 2, 1.2)[gi]
eta <- sin(2 * pi * freq * x) + shift + slope * (x - 0.5) + 0.5 * cos(2 * pi * z) + c(0, 0.4, -0.3)[hi] * x
y <- eta + rnorm(n, sd = 0.4)
count <- rpois(n, exp(0.5 + eta / 2))
write_num_csv(data.frame(y, count, x, z, g, h), "fssz_n300.csv")
new <- data.frame(x = c(-0.1, 0, 0.05, 0.33, 0.5, 0.77, 0.99, 1, 1.2, 0.4, 0.6, 0.2),
                  z = c(0.5, 0.1, 0.9, 0.3, 0.5, 0.7, 0.2, 0.8, 0.4, 1.1, -0.05, 0.6),
                  g = factor(c("a", "b", "c", "d", "a", "b", "c", "d", "a", "b", "c", "d"), levels = levels(g)),
                  h = factor(c("p", "q", "r", "p", "q", "r", "p", "q", "r", "p", "q", "r"), levels = levels(h)))
write_num_csv(new, "fssz_new.csv")
d <- read.csv("fssz_n300.csv", stringsAsFactors = TRUE)
nd <- read.csv("fssz_new.csv", stringsAsFactors = TRUE)
nd$g <- factor(nd$g, levels = levels(d$g)); nd$h <- factor(nd$h, levels = levels(d$h))

## ---------------------------------------------------------------- bases
basis_case <- function(id, spec, cov = "x") {
  canon_cov <<- d[cov]
  one <- function() {
    sm <- smoothCon(spec, data = d, absorb.cons = TRUE, scale.penalty = TRUE)[[1]]
    list(sm = sm, Xp = PredictMat(sm, nd))
  }
  use_nat_param(orig_nat_param); raw <- one()
  use_nat_param(canon_nat_param); can <- one()
  sm <- can$sm
  out <- list(id = id, spec = deparse(substitute(spec)), class = class(sm)[1],
              null_space_dim = sm$null.space.dim, rank = sm$rank, S_scale = num(sm$S.scale),
              n_null = if (is.null(sm$base)) NULL else sm$base$bs.dim - sm$base$rank,
              X = mat(sm$X), S = lapply(unname(sm$S), mat), Xp = mat(can$Xp))
  if (inherits(sm, "fs.interaction")) { out$X_mgcv <- mat(raw$sm$X); out$Xp_mgcv <- mat(raw$Xp) }
  save_json(out, paste0("fssz_basis_", id, ".json"))
  cat(sprintf("%-12s %-16s p=%d pens=%d nsd=%d\n", id, class(sm)[1], ncol(sm$X), length(sm$S), sm$null.space.dim))
}
basis_case("fs_tp", s(x, g, bs = "fs", k = 6))
basis_case("fs_cr", s(x, g, bs = "fs", xt = "cr", k = 6))
basis_case("fs_ps", s(g, x, bs = "fs", xt = list(bs = "ps"), k = 7, m = c(2, 1)))
basis_case("fs_tp_m1", s(x, g, bs = "fs", k = 5, m = 1))
basis_case("fs_2d", s(x, z, g, bs = "fs", k = 8), cov = c("x", "z"))
basis_case("sz_tp", s(x, g, bs = "sz", k = 5))
basis_case("sz_cr", s(x, g, bs = "sz", xt = "cr", k = 6))
basis_case("sz_2f", s(x, g, h, bs = "sz", k = 5))
# Every other base class mgcv 1.8-41 takes (one penalty; for fs a penalty null space).
basis_case("fs_cp", s(x, g, bs = "fs", xt = "cp", k = 8))
basis_case("fs_bs", s(x, g, bs = "fs", xt = "bs", k = 8))
basis_case("fs_bs_m31", s(x, g, bs = "fs", xt = "bs", k = 8, m = c(3, 1)))
basis_case("fs_gp", s(x, g, bs = "fs", xt = "gp", k = 8))
basis_case("fs_ds_2d", s(x, z, g, bs = "fs", xt = "ds", k = 12), cov = c("x", "z"))
basis_case("fs_ad_m1", s(x, g, bs = "fs", xt = "ad", k = 12, m = 1))
basis_case("sz_bs", s(x, g, bs = "sz", xt = "bs", k = 6))
basis_case("sz_cp", s(x, g, bs = "sz", xt = "cp", k = 6))
basis_case("sz_cc", s(x, g, bs = "sz", xt = "cc", k = 6))
basis_case("sz_gp", s(x, g, bs = "sz", xt = "gp", k = 6))
basis_case("sz_ds_2d", s(x, z, g, bs = "sz", xt = "ds", k = 10))
basis_case("sz_ad_m1", s(x, g, bs = "sz", xt = "ad", k = 10, m = 1))
basis_case("sz_re", s(x, g, bs = "sz", xt = "re"))
basis_case("sz_ts", s(x, g, bs = "sz", xt = "ts", k = 6))
# cs: k = 7, where LAPACK orders cr's two null eigenvectors as the engine does (see
# bases_i13/README.md; with k = 6 it is the other order and the penalty differs by 1e-3).
basis_case("sz_cs", s(x, g, bs = "sz", xt = "cs", k = 7))
# With an id, sz sums its per-level penalties into one (one smoothing parameter).
basis_case("sz_id", s(x, g, bs = "sz", k = 5, id = 1))
basis_case("sz_2f_id", s(x, g, h, bs = "sz", k = 5, id = 1))

## ---------------------------------------------------------------- fits
use_nat_param(canon_nat_param)
cases <- list(
  list(id = "fs_gauss", formula = "y ~ s(x, g, bs = \"fs\", k = 6) + s(z)"),
  list(id = "fs_cr_pois", formula = "count ~ s(x, g, bs = \"fs\", xt = \"cr\", k = 6) + s(z)", family = "poisson"),
  list(id = "fs_by", formula = "y ~ s(x, g, bs = \"fs\", k = 5, by = z) + s(z)"),
  list(id = "fs_2d", formula = "y ~ s(x, z, g, bs = \"fs\", k = 8)", cov = c("x", "z")),
  list(id = "sz_gauss", formula = "y ~ s(x) + s(x, g, bs = \"sz\", k = 6) + s(z)"),
  list(id = "sz_2f", formula = "y ~ s(x) + s(z) + s(x, g, h, bs = \"sz\", k = 5)"),
  list(id = "sz_pois", formula = "count ~ s(x, bs = \"cr\") + s(x, g, bs = \"sz\", xt = \"cr\", k = 6) + s(z)", family = "poisson"),
  # other base classes
  list(id = "fs_cp", formula = "y ~ s(x, g, bs = \"fs\", xt = \"cp\", k = 8) + s(z)"),
  list(id = "fs_gp_pois", formula = "count ~ s(x, g, bs = \"fs\", xt = \"gp\", k = 8) + s(z)", family = "poisson"),
  list(id = "fs_ds_2d", formula = "y ~ s(x, z, g, bs = \"fs\", xt = \"ds\", k = 12)", cov = c("x", "z")),
  list(id = "fs_bs_by", formula = "y ~ s(x, g, bs = \"fs\", xt = \"bs\", k = 8, by = z) + s(z)"),
  list(id = "sz_bs", formula = "y ~ s(x) + s(x, g, bs = \"sz\", xt = \"bs\", k = 6) + s(z)"),
  list(id = "sz_gp_pois", formula = "count ~ s(x) + s(x, g, bs = \"sz\", xt = \"gp\", k = 6) + s(z)", family = "poisson"),
  list(id = "sz_re", formula = "y ~ s(x) + s(x, g, bs = \"sz\", xt = \"re\") + s(z)"),
  # id: sz sums its penalties (one sp); fs with an id alone is as without
  list(id = "sz_id", formula = "y ~ s(x) + s(x, g, bs = \"sz\", k = 6, id = 1) + s(z)"),
  list(id = "sz_2f_id", formula = "y ~ s(x) + s(z) + s(x, g, h, bs = \"sz\", k = 5, id = 1)"),
  list(id = "fs_id", formula = "y ~ s(x, g, bs = \"fs\", k = 6, id = 1) + s(z)")
)
for (cs in cases) {
  fam <- if (is.null(cs$family)) gaussian() else get(cs$family)()
  canon_cov <- d[if (is.null(cs$cov)) "x" else cs$cov]
  b <- gam(as.formula(cs$formula), family = fam, data = d, method = "REML")
  pr <- predict(b, nd, se.fit = TRUE)
  st <- summary(b)$s.table
  pdf(NULL); pd <- tryCatch(plot(b, n = 100, pages = 1), error = function(e) list()); dev.off()
  plots <- lapply(seq_along(b$smooth), function(i) {
    s <- b$smooth[[i]]
    if (!inherits(s, c("fs.interaction", "sz.interaction")) || i > length(pd) || is.null(pd[[i]]$fit)) return(NULL)
    list(label = s$label, x = num(pd[[i]]$x), fit = num(pd[[i]]$fit), se = if (isTRUE(pd[[i]]$se.mult > 0)) num(pd[[i]]$se) else NULL)
  })
  lp <- as.numeric(b$linear.predictors)
  out <- list(
    id = cs$id, data = "bases_i16/fssz_n300.csv", newdata = "bases_i16/fssz_new.csv", formula = cs$formula,
    family = b$family$family, link = b$family$link,
    criterion = num(b$gcv.ubre), scale = num(b$sig2),
    smooths = lapply(seq_along(b$smooth), function(i) {
      s <- b$smooth[[i]]
      list(label = s$label, class = class(s)[1], edf = num(sum(b$edf[s$first.para:s$last.para])),
           null_space_dim = num(s$null.space.dim),
           ref_df = num(st[i, 2]), stat = num(st[i, 3]), p_value = num(st[i, 4]))
    }),
    sp_names = I(names(b$sp)), sp = num(b$sp),
    coefficients = list(names = I(names(coef(b))), values = num(coef(b))),
    linear_predictor = num(lp), sd_y = num(sd(b$y)), sd_lp = num(sd(lp)),
    predict = num(pr$fit), predict_se = num(pr$se.fit), plots = plots,
    summary_text = capture.output(print(summary(b)))
  )
  save_json(out, paste0("fssz_fit_", cs$id, ".json"))
  cat(sprintf("%-10s crit=%-20s edf=%s p=%s\n", cs$id, sprintf("%.12g", b$gcv.ubre),
              paste(sprintf("%.3f", sapply(b$smooth, function(s) sum(b$edf[s$first.para:s$last.para]))), collapse = ","),
              paste(sprintf("%.3g", st[, 4]), collapse = ",")))
}
