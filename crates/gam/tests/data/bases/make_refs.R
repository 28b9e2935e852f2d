# Reference data for the unit tests of crates/gam/src/basis/{cr,ps,cc,re}.rs.
#
# This script is how the JSON files next to it were made; it is not run in CI.
# Regenerate (from this folder) with:  Rscript make_refs.R
# Made with mgcv 1.8-41, R 4.2.2, jsonlite 1.8.4. Every file holds one smooth built by
#   smoothCon(s(x, bs = ..., k = ..., m = ...), data, absorb.cons = FALSE,
#             scale.penalty = FALSE)[[1]]
# i.e. mgcv's raw model matrix X and penalty S[[1]] (no constraint, no
# rescaling), plus PredictMat(sm, newdata) at new points inside and outside
# the covariate range.

suppressPackageStartupMessages({
  library(mgcv)
  library(jsonlite)
})

# jsonlite prints at most 15 significant digits, even with digits = NA, which
# does not round-trip doubles; numbers are therefore written with %.17g and
# inserted verbatim.
num <- function(v) structure(paste0("[", paste(sprintf("%.17g", v), collapse = ","), "]"), class = "json")
mat <- function(m) {
  m <- as.matrix(m)
  rows <- vapply(seq_len(nrow(m)), function(i) unclass(num(m[i, ])), "")
  structure(paste0("[", paste(rows, collapse = ","), "]"), class = "json")
}
save_json <- function(out, file) {
  writeLines(toJSON(out, auto_unbox = TRUE, json_verbatim = TRUE), file)
}

mcycle <- read.csv("/work/shared/bench/data/mcycle.csv")
gamsim <- read.csv("/work/shared/bench/data/gamsim1_n400.csv")

ties <- c(3, 1, 1, 2, 1, 3, 5, 8, 8, 8, 13, 2, 21, 21, 5, 34, 1, 13, 55, 8)
short <- c(0.5, 2.2, 1.7, 3.9, 2.2)

write_case <- function(name, bs, x, newx, k = NA, m = NA) {
  dat <- data.frame(x = x)
  sp <- if (is.na(m[1])) s(x, bs = bs, k = if (is.na(k)) -1 else k)
        else s(x, bs = bs, k = if (is.na(k)) -1 else k, m = m)
  sm <- smoothCon(sp, data = dat, absorb.cons = FALSE, scale.penalty = FALSE)[[1]]
  Xp <- PredictMat(sm, data.frame(x = newx))
  knots <- if (bs == "ps") sm$knots else sm$xp
  out <- list(
    name = name, bs = bs,
    k = if (is.na(k)) NULL else k,
    m = if (is.na(m[1])) NULL else m,
    class = class(sm)[1],
    x = num(x), knots = num(knots),
    X = mat(sm$X), S = mat(sm$S[[1]]),
    null_space_dim = sm$null.space.dim,
    newx = num(newx), Xp = mat(Xp)
  )
  save_json(out, paste0(name, ".json"))
}

x_mc <- mcycle$times
x_g <- gamsim$x2
new_mc <- c(-10, 0, 2.4, 2.5, 9.6, 14.6, 23.4, 30.5, 41.6, 57.6, 57.7, 65, 100)
new_g <- c(-0.5, -0.01, 0, min(x_g), 0.05, 0.25, 0.5, 0.75, 0.95, max(x_g), 1, 1.3)
new_t <- c(-20, 0, 1, 1.5, 2, 7, 8, 20, 21, 40, 55, 56, 80)
new_s <- c(-1, 0.5, 0.6, 1.7, 2.0, 2.2, 3.9, 4.0, 7.5)

# cr: add the knots themselves to the new points (interval search at knots)
sm_knots <- function(x, k) quantile(unique(x), seq(0, 1, length = k))
write_case("cr_mcycle", "cr", x_mc, sort(c(new_mc, sm_knots(x_mc, 10))))
write_case("cr_gamsim_x2", "cr", x_g, new_g, k = 10)
write_case("cr_ties", "cr", ties, sort(c(new_t, sm_knots(ties, 6))), k = 6)
write_case("cr_short", "cr", short, new_s, k = 3)

write_case("ps_mcycle", "ps", x_mc, new_mc)
write_case("ps_mcycle_k15_m31", "ps", x_mc, new_mc, k = 15, m = c(3, 1))
write_case("ps_gamsim_x2", "ps", x_g, new_g, k = 10)
write_case("ps_ties", "ps", ties, new_t, k = 6, m = 1)
write_case("ps_short", "ps", short, new_s, k = 5, m = c(2, 3))
# linear B-splines: splines::spline.des returns a zero first derivative at the
# upper boundary knot for order 2, so mgcv extrapolates constantly above it
write_case("ps_mcycle_m01", "ps", x_mc, new_mc, k = 8, m = c(0, 1))

# cc: far-out points exercise cwrap over several periods
write_case("cc_mcycle", "cc", x_mc, c(new_mc, -200, 180, 2.4 + 55.2 * 3))
write_case("cc_gamsim_x2", "cc", x_g, c(new_g, -3.7, 5.2), k = 10)
write_case("cc_ties", "cc", ties, new_t, k = 5)
write_case("cc_short", "cc", short, new_s, k = 4)

# re: a factor (levels a..e, one unused in training is impossible with
# read.csv-made factors, so all levels occur) and a numeric covariate.
f <- factor(c("b", "a", "c", "a", "e", "b", "c", "c", "d", "a"))
fnew <- factor(c("e", "a", "d", "d", "b"), levels = levels(f))
sm <- smoothCon(s(f, bs = "re"), data = data.frame(f = f), absorb.cons = FALSE,
                scale.penalty = FALSE)[[1]]
out <- list(
  name = "re_factor", bs = "re", class = class(sm)[1], levels = levels(f),
  codes = as.integer(f) - 1L, X = mat(sm$X), S = mat(sm$S[[1]]),
  null_space_dim = sm$null.space.dim,
  newcodes = as.integer(fnew) - 1L,
  Xp = mat(PredictMat(sm, data.frame(f = fnew)))
)
save_json(out, "re_factor.json")

xr <- x_mc[1:15]
sm <- smoothCon(s(x, bs = "re"), data = data.frame(x = xr), absorb.cons = FALSE,
                scale.penalty = FALSE)[[1]]
xrn <- c(-3, 0, 12.5, 100)
out <- list(
  name = "re_numeric", bs = "re", class = class(sm)[1], x = num(xr),
  X = mat(sm$X), S = mat(sm$S[[1]]), null_space_dim = sm$null.space.dim,
  newx = num(xrn), Xp = mat(PredictMat(sm, data.frame(x = xrn)))
)
save_json(out, "re_numeric.json")
