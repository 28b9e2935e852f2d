# termplot_ref.R -- what R's termplot(se = TRUE, plot = FALSE) returns for the parametric terms
# of a few mgcv fits: the data mgcv's plot.gam(all.terms = TRUE) draws for them.
#
# Usage (from anywhere): Rscript termplot_ref.R
# Needs R with mgcv 1.8-41 (the files here were produced with R 4.2.2, mgcv 1.8-41, jsonlite 1.8.4).
#
# Each model below is fitted with gam(method = "REML") to a data file of ../bench/data; then, as
# plot.gam does, the fit is classed c("gam", "glm", "lm") with attr "para.only" and passed to
# termplot. Writes <id>.json: id, data, formula, family, link, factors, sp (unname(b$sp)), and
# terms[]: name (termplot's: the carrier variable), x (numbers, or level names for a factor),
# y (the term's contribution, uncentred), se (its standard error, not multiplied).
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

models <- list(
  list(id = "trees_linear", data = "data/trees.csv", formula = "Volume ~ Height + log(Girth) + s(Girth, k = 5)",
       family = "Gamma", link = "log", factors = list()),
  list(id = "cake_recipe", data = "data/cake.csv", formula = "angle ~ recipe + s(temp, k = 5) + s(replicate, bs = \"re\")",
       family = "gaussian", link = "identity", factors = list("recipe", "replicate")),
  list(id = "gamsim4_fac", data = "data/gamsim4_n400.csv", formula = "y ~ fac + x0 + s(x1) + s(x2, by = fac)",
       family = "gaussian", link = "identity", factors = list("fac")),
  list(id = "insurance_factors", data = "data/insurance.csv", formula = "Claims ~ District + Group + Age + offset(log_holders)",
       family = "poisson", link = "log", factors = list("District", "Group", "Age"))
)

make_factor <- function(x) {
  x <- as.character(x)
  lv <- unique(x)
  nm <- suppressWarnings(as.numeric(lv))
  lv <- if (!anyNA(nm)) lv[order(nm)] else sort(lv, method = "radix")
  factor(x, levels = lv)
}
make_family <- function(m) switch(m$family, gaussian = gaussian(link = m$link), poisson = poisson(link = m$link),
                                  Gamma = Gamma(link = m$link), binomial = binomial(link = m$link))

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


for (m in models) {
  d <- read.csv(file.path(bench, m$data), stringsAsFactors = FALSE, check.names = FALSE)
  for (f in unlist(m$factors)) d[[f]] <- make_factor(d[[f]])
  b <- gam(as.formula(m$formula, env = globalenv()), family = make_family(m), data = d, method = "REML")
  x <- b
  class(x) <- c("gam", "glm", "lm")
  attr(x, "para.only") <- TRUE
  tp <- termplot(x, se = TRUE, plot = FALSE)
  terms <- lapply(names(tp), function(nm) {
    t <- tp[[nm]]
    list(name = nm, x = if (is.factor(t$x)) I(as.character(t$x)) else jarr(t$x), y = jarr(t$y), se = jarr(t$se))
  })
  out <- list(id = m$id, data = m$data, formula = m$formula, family = m$family, link = m$link,
              factors = I(as.character(unlist(m$factors))), sp = jarr(unname(b$sp)), terms = terms)
  writeLines(toJSON(out, auto_unbox = TRUE, json_verbatim = TRUE, null = "null", na = "null", pretty = TRUE),
             file.path(here, paste0(m$id, ".json")))
  cat(m$id, length(terms), "terms\n")
}
