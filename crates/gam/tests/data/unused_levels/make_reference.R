# mgcv's answer for a factor with a level no kept row has (issue 14, G5): model.frame's
# drop.unused.levels = TRUE drops it after na.omit. Made with R and mgcv 1.8-41, not run in CI:
#   cd crates/gam/tests/data/unused_levels && Rscript make_reference.R
# Writes unused_levels.csv (level "c" appears only in rows whose response is NA) and
# reference.json (the fit of y ~ s(x, k = 6) + g by REML).
library(mgcv)
library(jsonlite)
stopifnot(packageVersion("mgcv") == "1.8.41")
n <- 40
x <- (1:n) / n
g <- c("a", "b")[(1:n %% 2) + 1]
g[c(7, 20)] <- "c"
y <- round(sin(6 * x) + ifelse(g == "b", 0.5, 0) + (((1:n) * 0.618) %% 1 - 0.5) / 2, 6)
y[c(7, 20)] <- NA
write.csv(data.frame(x = x, g = g, y = y), "unused_levels.csv", row.names = FALSE, na = "NA", quote = FALSE)
d <- read.csv("unused_levels.csv", stringsAsFactors = TRUE)
stopifnot(identical(levels(d$g), c("a", "b", "c")))
m <- gam(y ~ s(x, k = 6) + g, data = d, method = "REML")
out <- list(
  mgcv = as.character(packageVersion("mgcv")),
  formula = "y ~ s(x, k = 6) + g",
  data_levels = levels(d$g),
  model_levels = m$xlevels$g,
  n = nrow(m$model),
  coefficient_names = names(coef(m)),
  coefficients = unname(coef(m)),
  sp = unname(m$sp),
  reml = unname(m$gcv.ubre),
  fitted = unname(fitted(m))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "reference.json")
