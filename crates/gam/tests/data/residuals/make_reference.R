# mgcv's fitted values and residuals.gam of each type (issue 14, G9), for a weighted Gaussian
# and a Poisson model, each with a row dropped by na.omit. Made with R and mgcv 1.8-41, not run
# in CI:  cd crates/gam/tests/data/residuals && Rscript make_reference.R
# Writes residuals.csv (the data) and reference.json (one entry per model).
library(mgcv)
library(jsonlite)
stopifnot(packageVersion("mgcv") == "1.8.41")
set.seed(14)
n <- 120
x0 <- round(runif(n), 6)
x1 <- round(runif(n), 6)
w <- round(runif(n, 0.5, 1.5), 4)
y <- round(2 * sin(pi * x0) + exp(2 * x1) / 3 + rnorm(n, 0, 0.5) / sqrt(w), 6)
count <- rpois(n, exp(0.5 + sin(pi * x0) + 0.6 * x1))
y[5] <- NA
count[9] <- NA
write.csv(data.frame(x0 = x0, x1 = x1, w = w, y = y, count = count), "residuals.csv",
          row.names = FALSE, na = "NA", quote = FALSE)
d <- read.csv("residuals.csv")
fits <- list(
  gaussian = list(formula = "y ~ s(x0) + s(x1, bs = \"cr\")", family = "gaussian", weights = "w",
                  model = gam(y ~ s(x0) + s(x1, bs = "cr"), data = d, weights = w, method = "REML")),
  poisson = list(formula = "count ~ s(x0) + x1", family = "poisson", weights = NULL,
                 model = gam(count ~ s(x0) + x1, data = d, family = poisson, method = "REML"))
)
out <- lapply(fits, function(f) {
  m <- f$model
  list(
    formula = f$formula,
    family = f$family,
    weights = f$weights,
    rows = as.integer(rownames(m$model)),   # 1-based rows kept by na.omit
    deviance = m$deviance,
    fitted = unname(fitted(m)),
    linear_predictor = unname(m$linear.predictors),
    deviance_residuals = unname(residuals(m, type = "deviance")),
    pearson = unname(residuals(m, type = "pearson")),
    scaled_pearson = unname(residuals(m, type = "scaled.pearson")),
    working = unname(residuals(m, type = "working")),
    response = unname(residuals(m, type = "response"))
  )
})
out$mgcv <- as.character(packageVersion("mgcv"))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, null = "null"), "reference.json")
