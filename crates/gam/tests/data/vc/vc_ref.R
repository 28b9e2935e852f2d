# vc_ref.R -- mgcv's smoothing-parameter corrected covariance Vc (vcov(b, unconditional = TRUE)) for
# every public bench case with at most 10000 rows.
#
# Usage (from anywhere): Rscript vc_ref.R
# Needs R with mgcv 1.8-41 (the files here were produced with R 4.2.2, mgcv 1.8-41, jsonlite 1.8.4).
#
# Each case is fitted as ../plot/plot_ref.R fits it. <id>.json holds id, sp (unname(b$sp)), p, and
# the prediction variances at the first 50 training rows under Vp and under Vc
# (rowSums((X %*% V) * X) with X = predict(b, type = "lpmatrix")): basis-free numbers, as the
# coefficient basis of a thin plate smooth can differ between two correct implementations.
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
cases <- fromJSON(file.path(bench, "cases.json"), simplifyVector = FALSE)
cases <- Filter(function(cs) cs$visibility == "public", cases)
ROWS <- 50L

## ------------------------------------------------------------------ as in bench/mgcv_ref.R
make_factor <- function(x) {
  x <- as.character(x)
  lv <- unique(x)
  nm <- suppressWarnings(as.numeric(lv))
  lv <- if (!anyNA(nm)) lv[order(nm)] else sort(lv, method = "radix")
  factor(x, levels = lv)
}

load_case_data <- function(cs) {
  d <- read.csv(file.path(bench, cs$data), stringsAsFactors = FALSE, check.names = FALSE)
  for (f in unlist(cs$factors)) d[[f]] <- make_factor(d[[f]])
  d
}

make_family <- function(cs) {
  switch(cs$family,
         gaussian = gaussian(link = cs$link),
         binomial = binomial(link = cs$link),
         poisson  = poisson(link = cs$link),
         Gamma    = Gamma(link = cs$link),
         stop("unknown family ", cs$family))
}

## ------------------------------------------------------------------ JSON helpers
# numbers as verbatim JSON: the shortest of %.15g, %.16g, %.17g that reads back as the same double
# (checked with jsonlite's parser, i.e. the C library's strtod); NA/NaN/Inf -> null
jnum_strings <- function(x) {
  x <- as.numeric(x)
  fin <- is.finite(x)
  s <- rep("null", length(x))
  todo <- which(fin)
  for (digits in 15:17) {
    if (!length(todo)) break
    cand <- sprintf(paste0("%.", digits, "g"), x[todo])
    back <- fromJSON(paste0("[", paste(cand, collapse = ","), "]"))
    ok <- if (digits == 17) rep(TRUE, length(todo)) else back == x[todo]
    s[todo[ok]] <- cand[ok]
    todo <- todo[!ok]
  }
  s
}
jarr <- function(x) {                        # always an array (NULL stays NULL -> null)
  if (is.null(x)) return(NULL)
  structure(paste0("[", paste(jnum_strings(x), collapse = ","), "]"), class = "json")
}
jscal <- function(x) {                       # a single number
  if (is.null(x)) return(NULL)
  stopifnot(length(x) == 1)
  structure(jnum_strings(x), class = "json")
}
opt <- function(x) if (is.null(x)) NULL else x
raw_json <- function(r) {
  if (is.null(r)) return(NULL)
  if (is.data.frame(r)) return(list(x = jarr(r[["x"]]), y = jarr(r[["y"]])))   # 2-D: plot.mgcv.smooth names them x, y
  if (is.factor(r) || is.character(r)) return(I(as.character(r)))    # random effect: the factor column
  jarr(r)
}


for (cs in cases) {
  d <- load_case_data(cs)
  if (nrow(d) > 10000) next
  b <- gam(as.formula(cs$formula, env = globalenv()), family = make_family(cs), data = d, method = cs$method)
  X <- predict(b, type = "lpmatrix")[seq_len(min(ROWS, nrow(d))), , drop = FALSE]
  var_of <- function(V) rowSums((X %*% V) * X)
  out <- list(id = cs$id, sp = jarr(unname(b$sp)), p = ncol(X),
              var_vp = jarr(var_of(b$Vp)), var_vc = jarr(var_of(if (is.null(b$Vc)) b$Vp else b$Vc)),
              has_vc = !is.null(b$Vc))
  writeLines(toJSON(out, auto_unbox = TRUE, json_verbatim = TRUE, null = "null", na = "null", pretty = TRUE),
             file.path(here, paste0(cs$id, ".json")))
  cat(cs$id, "\n")
}
