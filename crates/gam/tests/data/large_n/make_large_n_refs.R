# make_large_n_refs.R -- mgcv references for crates/gam/tests/large_n.rs (fits beyond 10^5 rows,
# where gam applies bam()'s convergence test).
#
# Usage (from this folder): Rscript make_large_n_refs.R
#   -> writes weyl_n200k.json (gaussian) and weyl_binary_n200k.json (binomial)
#
# The data are not stored: they are a deterministic function of the row number i = 1..n that the
# test computes the same way (IEEE-exact products and remainders; log, sqrt and cos from the C
# library): Weyl sequences x_j = frac(i * sqrt(p_j)) for the primes p = 2, 3, 5, 7 (covariates)
# and 11, 13 (two uniforms turned into a normal deviate z by Box-Muller), and gamSim(1)'s
# functions: y = 2 sin(pi x0) + exp(2 x1) + 0.2 x2^11 (10 (1 - x2))^6 + 10 (10 x2)^3 (1 - x2)^10
# + 2 z (x3 has no effect, a smooth that REML pushes to its null space). The binary response:
# y = 1 when frac(i * sqrt(17)) < plogis(0.33 (f0 + f1 + f2) - 2.5), else 0.
#
# Fits of y ~ s(x0, bs = "cr") + s(x1, bs = "cr") + s(x2, bs = "cr") + s(x3, bs = "cr"):
#   gam(method = "REML")                             -> "gam"
#   bam(method = "fREML") with the knots gam() places -> "bam" (bam() would otherwise place the
#     knots on a random sample of 10^4 rows, mgcv:::mini.mf, a different basis)
# Each records the criterion, per-smooth EDF, smoothing parameters, outer iterations and the
# linear predictor at rows 1, 1001, 2001, ...
suppressPackageStartupMessages({ library(mgcv); library(jsonlite) })

n <- 200000
i <- seq_len(n)
weyl <- function(p) (i * sqrt(p)) %% 1
d <- data.frame(x0 = weyl(2), x1 = weyl(3), x2 = weyl(5), x3 = weyl(7))
z <- sqrt(-2 * log(weyl(11))) * cos(2 * pi * weyl(13))
d$y <- 2 * sin(pi * d$x0) + exp(2 * d$x1) +
  0.2 * d$x2^11 * (10 * (1 - d$x2))^6 + 10 * (10 * d$x2)^3 * (1 - d$x2)^10 + 2 * z

form <- y ~ s(x0, bs = "cr") + s(x1, bs = "cr") + s(x2, bs = "cr") + s(x3, bs = "cr")
rows <- seq(1, n, by = 1000)

summarise <- function(fit) {
  edf <- vapply(fit$smooth, function(sm) sum(fit$edf[sm$first.para:sm$last.para]), 0)
  list(
    score = fit$gcv.ubre[[1]], score_name = names(fit$gcv.ubre)[1],
    edf = unname(edf), labels = vapply(fit$smooth, function(sm) sm$label, ""),
    sp = unname(fit$sp), outer_iter = fit$outer.info$iter,
    max_abs_grad = max(abs(fit$outer.info$grad)),
    eta_rows = rows, eta = unname(fit$linear.predictors[rows]))
}

g <- gam(form, data = d, method = "REML")
vars <- c("x0", "x1", "x2", "x3")
knots <- setNames(lapply(vars, function(v) {
  smoothCon(eval(substitute(s(v, bs = "cr"), list(v = as.name(v)))), d, knots = NULL)[[1]]$xp
}), vars)
b <- bam(form, data = d, method = "fREML", knots = knots)

out <- list(
  id = "weyl_n200k", n = n, formula = deparse(form), sd_y = sd(d$y), y_first = d$y[1:5],
  mgcv_version = as.character(packageVersion("mgcv")), R_version = R.version.string,
  gam = summarise(g), bam = summarise(b))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "weyl_n200k.json")

f <- 2 * sin(pi * d$x0) + exp(2 * d$x1) +
  0.2 * d$x2^11 * (10 * (1 - d$x2))^6 + 10 * (10 * d$x2)^3 * (1 - d$x2)^10
d$y <- as.numeric(weyl(17) < plogis(0.33 * f - 2.5))
g <- gam(form, family = binomial(), data = d, method = "REML")
b <- bam(form, family = binomial(), data = d, method = "fREML", knots = knots)
out <- list(
  id = "weyl_binary_n200k", n = n, formula = deparse(form), mean_y = mean(d$y),
  y_sum_first_1000 = sum(d$y[1:1000]), sd_eta = sd(b$linear.predictors),
  mgcv_version = as.character(packageVersion("mgcv")), R_version = R.version.string,
  gam = summarise(g), bam = summarise(b))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "weyl_binary_n200k.json")
