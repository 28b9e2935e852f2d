# ref_common.R -- what the reference scripts beside the tests share: reading a bench case's data
# as bench/mgcv_ref.R reads it, its family, and writing R's doubles exactly as JSON.
# Sourced by <dir>/<name>_ref.R after it sets `bench` (the bench directory).

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

