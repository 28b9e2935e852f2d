# mgcv 1.8-41 on the exactly aliased models of tests/fit_errors.rs (aliased.csv):
# mgcv fits them rank deficient. Writes rank_deficient.json: per model the REML
# score, the rank, the number of coefficients, the names of the coefficients that
# are zero to rounding and the fitted values; the summary text of two; a near copy.
# Run from this directory: Rscript rank_deficient.R
suppressMessages({library(mgcv); library(jsonlite)})
d <- read.csv("aliased.csv")
models <- list(
  list(id = "copy", formula = "y ~ x + x2 + s(z)", family = "gaussian"),
  list(id = "proportional_smooths", formula = "y ~ s(x) + s(x2) + z", family = "gaussian"),
  list(id = "copied_smooths", formula = "y ~ s(x) + s(xs)", family = "gaussian"),
  list(id = "linear_and_smooth", formula = "y ~ x + s(x)", family = "gaussian"),
  list(id = "poisson_copied_smooths", formula = "yc ~ s(x) + s(xs)", family = "poisson"),
  list(id = "poisson_copy", formula = "yc ~ x + x2 + s(z)", family = "poisson")
)
out <- list(mgcv = as.character(packageVersion("mgcv")))
for (m in models) {
  b <- gam(as.formula(m$formula), data = d, family = m$family, method = "REML")
  out[[m$id]] <- list(formula = m$formula, family = m$family, reml = b$gcv.ubre,
                      rank = b$rank, n_coef = length(coef(b)),
                      zero = I(names(coef(b))[abs(coef(b)) <= 1e-12 * max(abs(coef(b)))]),
                      fitted = as.numeric(fitted(b)))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "rank_deficient.json")

# The summary mgcv prints for two of them (compared byte for byte with `gam fit`).
sink("rank_deficient_summary.txt")
print(summary(gam(y ~ x + x2 + s(z), data = d, method = "REML")))
print(summary(gam(y ~ x + s(x), data = d, method = "REML")))
sink()

# A near copy (xt = 2x + 1e-9 sin(i)): not exactly aliased, and mgcv keeps every
# coefficient (condition about 1e9, below its 1/(100 eps)); the engine refuses it
# as nearly aliased (near_aliased.csv, for the CLI test).
d$xt <- 2 * d$x + 1e-9 * sin(seq_len(nrow(d)))
write.csv(d[, c("x", "xt", "z", "y")], "near_aliased.csv", row.names = FALSE)
b <- gam(y ~ x + xt + s(z), data = read.csv("near_aliased.csv"), method = "REML")
stopifnot(b$rank == length(coef(b)))
