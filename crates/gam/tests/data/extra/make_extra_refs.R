# How the references in this folder were made (mgcv 1.8-41, R 4.2.2). Not run in CI:
#   Rscript make_extra_refs.R
# Models that use features no public benchmark case covers: ti(), 2-D thin plate,
# cyclic splines, a numeric by-variable, an offset and a model without intercept.
library(mgcv); library(jsonlite)
bench <- "../bench/data"
g1 <- read.csv(file.path(bench, "gamsim1_n400.csv"))
g2 <- read.csv(file.path(bench, "gamsim2_n500.csv"))
cases <- list(
  list(id = "ti_main_effects", data = "gamsim2_n500.csv", formula = "y ~ s(x) + s(z) + ti(x, z)"),
  list(id = "tp_2d", data = "gamsim2_n500.csv", formula = "y ~ s(x, z)"),
  list(id = "te_tp_margins", data = "gamsim2_n500.csv", formula = "y ~ te(x, z, bs = \"tp\", k = c(6, 6))"),
  list(id = "cc_and_numeric_by", data = "gamsim1_n400.csv", formula = "y ~ s(x0, bs = \"cc\") + s(x1, by = x2)"),
  list(id = "offset_no_intercept", data = "gamsim1_n400.csv", formula = "y ~ s(x2, bs = \"ps\", k = 12) + x1 + offset(x0) - 1")
)
num <- function(v) I(sprintf("%.17g", v))
for (cs in cases) {
  d <- read.csv(file.path(bench, cs$data))
  b <- gam(as.formula(cs$formula), data = d, method = "REML")
  out <- list(id = cs$id, data = cs$data, formula = cs$formula,
              reml_score = num(b$gcv.ubre), edf_total = num(sum(b$edf)),
              smooths = lapply(seq_along(b$smooth), function(i) {
                s <- b$smooth[[i]]
                list(label = s$label, edf = num(sum(b$edf[s$first.para:s$last.para])))
              }),
              sp = num(as.numeric(b$sp)),
              fitted = num(as.numeric(fitted(b))[1:100]),
              se = num(as.numeric(predict(b, se.fit = TRUE)$se.fit)[1:100]))
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE), paste0(cs$id, ".json"))
  cat(cs$id, b$gcv.ubre, "\n")
}
