# check_ref.R -- what mgcv's gam.check prints and plots, for every public bench case.
#
# Usage (from anywhere): Rscript check_ref.R [id ...]      (no ids: all cases)
#
# Needs R with mgcv 1.8-41 (the files here were produced with R 4.2.2, mgcv 1.8-41, jsonlite 1.8.4).
#
# For each case of ../bench/cases.json it fits the model exactly as ../plot/plot_ref.R does and, on a
# null graphics device, after set.seed(1), captures what gam.check(b) prints. It writes <id>.json:
#   id, formula, method, optimizer (b$optimizer, pasted), text (gam.check's printed lines),
#   outer: iter, conv, grad (outer.info$grad), hess_eigen (eigen(outer.info$hess)$values), null
#     without outer.info (no smoothing parameters to select),
#   score (b$gcv.ubre), scale (b$sig2), rank (b$rank), p (number of coefficients),
#   sp (unname(b$sp), so that a test can refit at mgcv's optimum),
#   and, for cases up to 10000 rows, the residual plots' data: resid (deviance residuals),
#   linpred (b$linear.predictors), fitted (fitted(b)), y (b$y), qq (qq.gam's theoretical
#   quantiles Dq with rep = 0, s.rep = 10, after set.seed(2): exact for the Gaussian family, where
#   they do not depend on the randomisation; random otherwise).
# Doubles are written exactly (see ../plot/plot_ref.R).

suppressPackageStartupMessages({
  library(mgcv)
  library(jsonlite)
})
invisible(Sys.setlocale("LC_COLLATE", "C"))

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else getwd()
bench <- file.path(here, "..", "bench")
only <- commandArgs(trailingOnly = TRUE)

cases <- fromJSON(file.path(bench, "cases.json"), simplifyVector = FALSE)
cases <- Filter(function(cs) cs$visibility == "public", cases)
if (length(only)) cases <- Filter(function(cs) cs$id %in% only, cases)

MAX_ROWS_DATA <- 10000L

# qq.gam's theoretical quantiles with rep = 0 (its default): the mean over s.rep randomised
# uniform quantile vectors of the sorted deviance residuals of the family's quantiles.
qq_quantiles <- function(b, s.rep = 10) {
  fam <- fix.family.qf(b$family)
  n <- length(b$y)
  U <- (1:n - .5) / n
  dm <- matrix(0, n, s.rep)
  for (i in 1:s.rep) {
    U <- sample(U, n)
    q0 <- fam$qf(U, b$fitted.values, b$prior.weights, b$sig2)
    bb <- b; bb$y <- q0
    dm[, i] <- sort(residuals(bb, type = "deviance"))
  }
  sort(rowMeans(dm))
}

source(file.path(here, "..", "ref_common.R"))

## ------------------------------------------------------------------ one case
run_case <- function(cs) {
  d <- load_case_data(cs)
  form <- as.formula(cs$formula, env = globalenv())
  b <- gam(form, family = make_family(cs), data = d, method = cs$method)
  set.seed(1)
  text <- capture.output(gam.check(b))
  boi <- b$outer.info
  out <- list(id = cs$id, formula = cs$formula, method = b$method,
              optimizer = paste(b$optimizer, collapse = " "), text = I(text),
              outer = if (is.null(boi)) NULL else
                list(iter = boi$iter, conv = boi$conv, grad = jarr(boi$grad),
                     hess_eigen = jarr(eigen(boi$hess)$values)),
              score = jscal(b$gcv.ubre), scale = jscal(b$sig2), rank = b$rank,
              p = length(coef(b)), sp = jarr(unname(b$sp)))
  if (nrow(d) <= MAX_ROWS_DATA) {
    set.seed(2)
    out$resid <- jarr(residuals(b, type = "deviance"))
    out$linpred <- jarr(b$linear.predictors)
    out$fitted <- jarr(fitted(b))
    out$y <- jarr(b$y)
    out$qq <- jarr(qq_quantiles(b))
  }
  out
}

## ------------------------------------------------------------------ main
pdf(NULL)
for (cs in cases) {
  res <- run_case(cs)
  writeLines(toJSON(res, auto_unbox = TRUE, json_verbatim = TRUE, null = "null", na = "null", pretty = TRUE),
             file.path(here, paste0(cs$id, ".json")))
  cat(cs$id, "\n")
}
