# How the references in this folder were made (mgcv 1.8-41). Not run in CI:
#   cd crates/gam/tests/data/id && Rscript make_reference.R
# Issue 16: smooths linked by `id =` share one basis (set up from their pooled
# covariates) and one smoothing parameter per penalty. Writes id_n300.csv
# (training data), id_new.csv (new data) and one <case>.json per model with
# mgcv's model matrix G$X and penalties G$S (gam(..., fit = FALSE)), its L,
# and the REML fit: score, full.sp, per-smooth EDF, fitted values, predictions.
# Numbers are written with sprintf("%.17g"). Deterministic.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_csv <- function(d, file) {
  out <- as.data.frame(lapply(d, function(v)
    if (is.numeric(v)) sprintf("%.15g", v) else as.character(v)), stringsAsFactors = FALSE)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}

set.seed(20261207)
n <- 300
x <- runif(n); z <- runif(n, 0.1, 1.3); w <- runif(n)
fac <- sample(c("a", "b", "c"), n, replace = TRUE)
eta <- sin(2 * pi * x) + 0.8 * cos(3 * z) + (match(fac, c("a", "b", "c")) - 2) * 0.4 * x + w^2
y <- eta + rnorm(n, sd = 0.3)
yc <- rpois(n, exp(0.3 + 0.6 * eta))
m <- 40
new <- data.frame(x = runif(m), z = runif(m, 0.1, 1.3), w = runif(m), fac = sample(c("a", "b", "c"), m, TRUE))
write_csv(data.frame(y = y, yc = yc, x = x, z = z, w = w, fac = fac), "id_n300.csv")
write_csv(new, "id_new.csv")

num <- function(v) I(sprintf("%.17g", as.numeric(v)))
d <- read.csv("id_n300.csv", stringsAsFactors = TRUE)
nd <- read.csv("id_new.csv", stringsAsFactors = TRUE)

cases <- list(
  list(id = "id_tp", formula = "y ~ s(x, id = 1) + s(z, id = 1)", family = gaussian()),
  list(id = "id_clone", formula = "y ~ s(x, bs = \"cr\", k = 12, id = \"a\") + s(z, id = \"a\") + s(w)",
       family = gaussian()),
  list(id = "id_by", formula = "y ~ fac + s(x, by = fac, id = 1)", family = gaussian()),
  list(id = "id_te", formula = "y ~ te(x, z, id = 1) + te(x, w, id = 1)", family = gaussian()),
  list(id = "id_pois", formula = "yc ~ s(x, id = 1) + s(z, id = 1) + s(w)", family = poisson())
)
for (cs in cases) {
  f <- as.formula(cs$formula)
  G <- gam(f, family = cs$family, data = d, method = "REML", fit = FALSE)
  b <- gam(f, family = cs$family, data = d, method = "REML")
  pr <- predict(b, nd, type = "link", se.fit = TRUE)
  t0 <- proc.time()[["elapsed"]]
  reps <- 20
  for (r in seq_len(reps)) gam(f, family = cs$family, data = d, method = "REML")
  secs <- (proc.time()[["elapsed"]] - t0) / reps
  out <- list(
    id = cs$id, data = "id/id_n300.csv", newdata = "id/id_new.csv",
    formula = cs$formula, family = b$family$family, link = b$family$link,
    n_coef = ncol(G$X), X = num(t(G$X)),
    S = lapply(seq_along(G$S), function(i) list(off = G$off[i], dim = ncol(G$S[[i]]), S = num(G$S[[i]]))),
    L = if (is.null(G$L)) NULL else list(nrow = nrow(G$L), ncol = ncol(G$L), L = num(G$L)),
    coef_names = names(coef(b)),
    reml = num(b$gcv.ubre), sp = num(b$sp), full_sp = num(b$full.sp),
    full_sp_names = names(b$full.sp),
    edf = num(sapply(b$smooth, function(s) sum(b$edf[s$first.para:s$last.para]))),
    labels = sapply(b$smooth, function(s) s$label),
    fitted = num(b$fitted.values),
    pred = num(pr$fit), pred_se = num(pr$se.fit),
    mgcv_seconds = num(secs)
  )
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = FALSE, digits = NA), paste0(cs$id, ".json"))
  cat(cs$id, ": p =", ncol(G$X), " sp =", format(b$sp, digits = 4), " reml =", format(b$gcv.ubre, digits = 10), "\n")
}
