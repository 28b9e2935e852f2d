# How the references in this folder were made (mgcv 1.8-41). Not run in CI:
#   cd crates/gam/tests/data/expressions && Rscript make_reference.R
# Formula expressions (issue 13 item 1): transforms in the response, in
# parametric terms, as smooth covariates, in offset() and by =; factor(),
# ordered() and an ordered column; parametric interactions with R's
# contrasts; a binomial response given as a factor or a logical.
# Writes train.csv and newdata.csv (the data: every fit reads them back),
# and one <id>.json per model: REML criterion (gcv.ubre), per-smooth EDF,
# coefficient names, fitted values (linear predictor and mean), and
# predict.gam on newdata.csv (type link and response). Numbers as strings
# with 17 significant digits.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

make <- function(n) {
  x <- runif(n, 0.5, 5); z <- runif(n); a <- runif(n, 0.2, 3); b <- runif(n)
  fac <- sample(c("A", "B", "C"), n, replace = TRUE)
  fac2 <- sample(c("u", "v"), n, replace = TRUE)
  g4 <- sample(1:4, n, replace = TRUE)
  grade <- sample(c("hi", "lo", "mid"), n, replace = TRUE)
  expo <- runif(n, 0.5, 3)
  eff <- c(A = 0, B = 0.4, C = -0.3)[fac]
  slope <- c(A = 1, B = -0.5, C = 0.3)[fac]
  eta <- sin(log(x) * 2) + slope * z + eff + 0.3 * g4 + 0.2 * (fac2 == "v") + 0.3 * sqrt(a) * b
  y <- exp(0.5 * eta + rnorm(n, sd = 0.2)) + 0.5
  count <- rpois(n, expo * exp(0.3 * eta))
  ntr <- sample(5:15, n, replace = TRUE)
  succ <- rbinom(n, ntr, plogis(0.6 * eta - 0.5))
  bfac <- ifelse(runif(n) < plogis(eta - 0.5), "yes", "no")
  blog <- runif(n) < plogis(0.8 * eta - 0.3)
  data.frame(y = y, x = x, z = z, a = a, b = b, fac = fac, fac2 = fac2, g4 = g4,
             grade = grade, expo = expo, count = count, succ = succ, ntr = ntr,
             bfac = bfac, blog = blog)
}
write_csv <- function(d, file) {
  out <- as.data.frame(lapply(d, function(v) if (is.numeric(v)) sprintf("%.17g", v) else as.character(v)),
                       stringsAsFactors = FALSE)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}
set.seed(13001)
write_csv(make(300), "train.csv")
nd <- make(40)
nd$x <- pmin(pmax(nd$x, 0.6), 4.9)
write_csv(nd, "newdata.csv")

read <- function(file) {
  d <- read.csv(file, stringsAsFactors = TRUE)
  # --ordered grade: an ordered factor, levels sorted as factor() sorts them.
  d$grade <- factor(as.character(d$grade), ordered = TRUE)
  d
}
train <- read("train.csv")
newdata <- read("newdata.csv")

s17 <- function(v) sprintf("%.17g", v)
cases <- list(
  list(id = "log_response_smooth_log", formula = "log(y) ~ s(log(x)) + z", family = "gaussian"),
  list(id = "te_sqrt_I_power", formula = "y ~ te(sqrt(a), b) + I(z^2) + s(x)", family = "gaussian"),
  list(id = "poisson_offset_log", formula = "count ~ s(x) + z + offset(log(expo))", family = "poisson"),
  list(id = "fac_times_z", formula = "log(y) ~ s(log(x)) + fac*z", family = "gaussian"),
  list(id = "fac_slopes", formula = "y ~ fac + fac:z + s(x)", family = "gaussian"),
  list(id = "factor_numeric", formula = "y ~ factor(g4) + s(x)", family = "gaussian"),
  list(id = "ordered_numeric", formula = "y ~ ordered(g4) + s(x)", family = "gaussian"),
  list(id = "ordered_column", formula = "y ~ grade + s(x)", family = "gaussian"),
  list(id = "power_minus", formula = "y ~ (fac + z + a)^2 - fac:a + s(x)", family = "gaussian"),
  list(id = "nested", formula = "y ~ fac/z + s(x)", family = "gaussian"),
  list(id = "factor_by_factor", formula = "y ~ fac + fac:fac2 + s(x)", family = "gaussian"),
  list(id = "no_intercept", formula = "y ~ fac*z - 1 + s(x)", family = "gaussian"),
  list(id = "by_expression", formula = "y ~ s(x, by = log(a)) + pmin(z, 0.8)", family = "gaussian"),
  list(id = "misc_functions", formula = "sqrt(y) ~ s(pmax(x, 1)) + log10(a) + abs(z - 0.5) + exp(-b) + log1p(z)", family = "gaussian"),
  list(id = "binomial_factor_response", formula = "bfac ~ s(x) + z", family = "binomial"),
  list(id = "binomial_logical_response", formula = "blog ~ s(x) + fac", family = "binomial"),
  list(id = "binomial_proportion", formula = "I(succ/ntr) ~ s(x) + ordered(g4)", family = "binomial", weights = "ntr")
)
for (cs in cases) {
  fam <- switch(cs$family, gaussian = gaussian(), poisson = poisson(), binomial = binomial())
  f <- as.formula(cs$formula)
  m <- if (is.null(cs$weights)) gam(f, data = train, family = fam, method = "REML")
       else gam(f, data = train, family = fam, method = "REML", weights = train[[cs$weights]])
  pl <- predict(m, newdata, type = "link")
  pr <- predict(m, newdata, type = "response")
  out <- list(
    id = cs$id, formula = cs$formula, family = cs$family,
    weights = if (is.null(cs$weights)) NULL else cs$weights,
    reml_score = s17(m$gcv.ubre),
    smooths = lapply(seq_along(m$smooth), function(i) list(
      label = m$smooth[[i]]$label,
      edf = s17(sum(m$edf[m$smooth[[i]]$first.para:m$smooth[[i]]$last.para])))),
    coef_names = names(coef(m)),
    coefficients = s17(unname(coef(m))),
    linear_predictor = s17(unname(m$linear.predictors)),
    fitted = s17(unname(m$fitted.values)),
    y = s17(unname(m$y)),
    predict_link = s17(unname(pl)),
    predict_response = s17(unname(pr)))
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, null = "null"), paste0(cs$id, ".json"))
  cat(sprintf("%-28s REML %.10g  coefs %d  edf %s\n", cs$id, m$gcv.ubre, length(coef(m)),
              paste(sprintf("%.3f", sapply(out$smooths, function(s) as.numeric(s$edf))), collapse = " ")))
}
