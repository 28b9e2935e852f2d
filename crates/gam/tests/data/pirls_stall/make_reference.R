# mgcv's answer for Gamma fits whose inner (PIRLS) iteration stalls at the
# rounding floor of its gradient: a smooth penalised almost to its null
# space (a huge smoothing parameter) on few rows. Before the stall rule in
# fit/generalized/pirls.rs such inner fits ran to their 200-iteration limit
# and failed, and the outer Newton stopped at another optimum (REML 6e-7
# relative off on the first of these). Made with R and mgcv 1.8-41, not run
# in CI:
#   cd crates/gam/tests/data/pirls_stall && Rscript make_reference.R
# Writes stall.csv (our own data) and reference.json (one fit per formula).
library(mgcv)
library(jsonlite)
stopifnot(packageVersion("mgcv") == "1.8.41")
set.seed(20261206)
n <- 28
x1 <- round(runif(n), 4)
x2 <- round(runif(n), 4)
x3 <- round(runif(n), 4)
mu <- exp(1 + sin(3 * x1) + 0.4 * x2)
y <- round(rgamma(n, shape = 25, rate = 25 / mu), 5)
write.csv(data.frame(x1 = x1, x2 = x2, x3 = x3, y = y), "stall.csv", row.names = FALSE, quote = FALSE)
d <- read.csv("stall.csv")
# Two fits whose inner iteration stalled before the stall rule (found by
# running the engine before and after it on this data).
formulas <- c(
  'y ~ s(x1, k = 6) + s(x2, bs = "cr", k = 6) + s(x3, bs = "cr", k = 6)',
  'y ~ s(x2, bs = "cr") + s(x3, bs = "cr")'
)
fits <- lapply(formulas, function(f) {
  m <- gam(as.formula(f), family = Gamma(link = log), data = d, method = "REML")
  list(formula = f, reml = unname(m$gcv.ubre), edf = unname(sum(m$edf)), sp = unname(m$sp),
       fitted = unname(fitted(m)), coefficients = unname(coef(m)))
})
writeLines(toJSON(list(mgcv = as.character(packageVersion("mgcv")), family = "Gamma", link = "log",
                       n = n, fits = fits), digits = NA, auto_unbox = TRUE, pretty = TRUE), "reference.json")
