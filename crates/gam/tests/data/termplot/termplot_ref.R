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

source(file.path(here, "..", "ref_common.R"))

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
