# Reference values for the thin plate regression spline basis (bs = "tp",
# mgcv class tprs.smooth), consumed by the unit tests in
# crates/gam/src/basis/tp.rs.
#
# DOCUMENTATION ONLY: this script is not run in CI. It records how the JSON
# files next to it were made, with R and mgcv 1.8-41:
#
#   cd crates/gam/tests/data/bases && Rscript make_tp_refs.R
#
# For each case it builds the smooth exactly as gam() would before
# constraints and penalty rescaling,
#   smoothCon(s(..., k = k, m = m), data, absorb.cons = FALSE, scale.penalty = FALSE)[[1]]
# and writes: the training covariates (`x`, one array per covariate), the
# mean shift, the final k, m and null space dimension, the model matrix X
# (all rows, or the rows listed in `x_rows` (0-based) when the file would
# otherwise exceed 200 KB), the penalty S[[1]], and PredictMat() at new points
# `new_x` inside and outside the data range (`predict`). Matrices are written
# row-major (an array of rows) with full precision (digits = NA).

suppressPackageStartupMessages({
  library(mgcv)
  library(jsonlite)
})

data_dir <- "/work/shared/bench/data"

one_d_new <- function(x, n_new = 25) {
  r <- range(x)
  w <- diff(r)
  seq(r[1] - 0.15 * w, r[2] + 0.15 * w, length.out = n_new)
}

write_case <- function(name, dat, vars, k, m = NA, new_x, max_rows = NULL, note = "") {
  args <- c(as.list(vars), list(k = k, bs = "tp"))
  if (!is.na(m)) args$m <- m
  spec <- do.call(s, lapply(args, function(a) if (is.character(a) && a %in% vars) as.name(a) else a))
  sm <- smoothCon(spec, dat, absorb.cons = FALSE, scale.penalty = FALSE)[[1]]
  nd <- as.data.frame(setNames(new_x, vars))
  P <- PredictMat(sm, nd)
  X <- sm$X
  rows <- seq_len(nrow(X))
  if (!is.null(max_rows) && nrow(X) > max_rows) {
    rows <- unique(round(seq(1, nrow(X), length.out = max_rows)))
  }
  out <- list(
    name = name,
    note = note,
    vars = vars,
    k_requested = k,
    m_requested = if (is.na(m)) NULL else m,
    k = ncol(X),
    m = sm$p.order[1],
    null_space_dim = sm$null.space.dim,
    n_unique = nrow(sm$Xu),
    shift = sm$shift,
    x = lapply(vars, function(v) dat[[v]]),
    x_rows = rows - 1,
    X = unname(X[rows, , drop = FALSE]),
    S = unname(sm$S[[1]]),
    new_x = unname(new_x),
    predict = unname(P)
  )
  file <- paste0("tp_", name, ".json")
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, matrix = "rowmajor"), file)
  cat(sprintf("%-28s n = %4d, unique = %4d, k = %3d, %7.1f KB\n", file, nrow(X), nrow(sm$Xu), ncol(X),
              file.size(file) / 1024))
}

mcycle <- read.csv(file.path(data_dir, "mcycle.csv"))
sim1 <- read.csv(file.path(data_dir, "gamsim1_n400.csv"))
cake <- read.csv(file.path(data_dir, "cake.csv"))
sim2 <- read.csv(file.path(data_dir, "gamsim2_n500.csv"))

# 1-D, k = 20, ties in the data (133 rows, 94 unique times).
write_case("mcycle_k20", mcycle, "times", 20, new_x = list(one_d_new(mcycle$times)),
           note = "s(times, k = 20): 133 rows, 94 unique values")

# 1-D, default k (10), default m (2).
write_case("sim1_x0_default", sim1, "x0", -1, new_x = list(one_d_new(sim1$x0)),
           note = "s(x0): default k = 10")

# 1-D, k = 5 with only 6 unique, evenly spaced values (eigen truncation of a symmetric design).
write_case("cake_temp_k5", cake, "temp", 5, new_x = list(one_d_new(cake$temp)),
           note = "s(temp, k = 5): 270 rows, 6 unique evenly spaced values")

# 1-D, k equal to the number of unique values: no eigen step (mgcv's 'pure knot' branch).
write_case("cake_temp_k6", cake, "temp", 6, new_x = list(one_d_new(cake$temp)),
           note = "s(temp, k = 6): k equals the number of unique values")

# 1-D, heavy ties: x0 rounded to 2 decimals.
tie <- data.frame(xr = round(sim1$x0, 2))
write_case("sim1_x0_round2_k8", tie, "xr", 8, new_x = list(one_d_new(tie$xr)),
           note = "s(xr, k = 8), xr = round(x0, 2): many ties")

# 1-D, higher order penalty m = 3 (null space dimension 3).
write_case("sim1_x2_m3_k12", sim1, "x2", 12, m = 3, new_x = list(one_d_new(sim1$x2)),
           note = "s(x2, k = 12, m = 3)")

# 1-D, k below the minimum M + 1 = 3 is raised to 3 (mgcv warns).
suppressWarnings(write_case("sim1_x1_k2", sim1, "x1", 2, new_x = list(one_d_new(sim1$x1)),
           note = "s(x1, k = 2): k raised to M + 1 = 3"))

# 2-D, default k (30): 500 unique points, X subsampled to 120 rows.
g <- expand.grid(a = c(-0.1, 0.05, 0.3, 0.5, 0.77, 1.1), b = c(-0.15, 0.2, 0.45, 0.9, 1.05))
write_case("sim2_xz_default", sim2, c("x", "z"), -1, new_x = list(g$a, g$b), max_rows = 120,
           note = "s(x, z): default k = 30, X rows subsampled")

# 2-D with ties: coordinates rounded to 1 decimal (at most 121 unique points), k = 20.
tie2 <- data.frame(xr = round(sim2$x, 1), zr = round(sim2$z, 1))
write_case("sim2_xz_round1_k20", tie2, c("xr", "zr"), 20, new_x = list(g$a, g$b), max_rows = 150,
           note = "s(xr, zr, k = 20), coordinates rounded to 1 decimal: ties")

# 3-D, default order (m = 3, null space dimension 10), k = 15, on the first 80 rows.
sim1_80 <- sim1[1:80, ]
g3 <- expand.grid(a = c(-0.1, 0.5, 1.1), b = c(0.2, 0.8), c = c(-0.05, 0.6))
write_case("sim1_x012_k15", sim1_80, c("x0", "x1", "x2"), 15, new_x = list(g3$a, g3$b, g3$c),
           note = "s(x0, x1, x2, k = 15) on 80 rows: odd d > 1 (mgcv's eta constant)")

# 3-D with m = 2 (null space dimension 4).
write_case("sim1_x012_m2_k15", sim1_80, c("x0", "x1", "x2"), 15, m = 2, new_x = list(g3$a, g3$b, g3$c),
           note = "s(x0, x1, x2, k = 15, m = 2) on 80 rows")

# 5-D, default order (m = 4, null space dimension 56), k = 60, on 120 rows; two extra uniform covariates.
set.seed(3)
sim1_5 <- sim1[1:120, c("x0", "x1", "x2", "x3")]
sim1_5$u <- runif(120)
write_case("sim1_5d_k60", sim1_5, c("x0", "x1", "x2", "x3", "u"), 60,
           new_x = list(g3$a, g3$b, g3$c, g3$a, g3$b), max_rows = 60,
           note = "s(x0, x1, x2, x3, u, k = 60) on 120 rows: d = 5")
