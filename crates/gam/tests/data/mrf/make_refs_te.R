# References for an MRF as a tensor product margin (issue 16), mgcv 1.8-41. Not run in CI:
#   cd crates/gam/tests/data/mrf && Rscript make_refs_te.R
# mgcv's te() hands each margin its own xt (xt = list(xt1, xt2), one per margin, or one xt
# for every margin); the mrf margin is built by smooth.construct (ti(): smoothCon, centred),
# is not reparameterised (noterp), and its penalty is divided by its largest eigenvalue as
# every margin's is. k defaults to 5 per margin, so the mrf margin is low rank unless k
# gives every area. The term is not plotted (te.ok = 2, plot.me = FALSE).
# The areas: a 4 x 4 grid r1c1..r4c4 with rook neighbours (connected); r4c4 has no data.
# Years 1..6 (numeric). Writes nb_te.json (gam-neighbours/1), mrf_te_n300.csv, mrf_te_new.csv
# (its rows include r4c4), and
#  - basis_te.json: smoothCon(absorb.cons = FALSE) of te(area, year, bs = c("mrf", "cr"),
#    k = c(8, 5)): X, S and PredictMat at the new rows (the low-rank margin's columns are
#    eigenvectors, of free sign);
#  - te_mrf_gauss (low rank k = 8, + s(x)), te_mrf_pois (full rank, Poisson, one xt for
#    both margins), ti_mrf_gauss (s(x) + ti(area, year), full rank: the ti margin is centred
#    by smoothCon leaving r4c4's column free), ti_mrf_low (s(area, mrf, k = 12) + s(year) +
#    ti(area, year, k = c(10, 4)), gam.side finding nothing to delete), te_mrf_by
#    (k = c(6, 4), by = fac), t2_mrf_low (t2(area, year), k = c(8, 5)): gam(fit = FALSE)'s G$X, G$S and the REML fit, with
#    predictions and standard errors from PredictMat and Vp (predict.gam refuses r4c4; they
#    are checked against predict.gam on the rows it accepts), mgcv's summary table and the
#    median of 10 fit times.
# Numbers as "%.17g" strings. Deterministic (but the times).
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")
source("../ref_common.R") # write_csv, num

grid <- expand.grid(r = 1:4, c = 1:4)
areas <- sort(sprintf("r%dc%d", grid$r, grid$c), method = "radix")
nbn <- lapply(areas, function(a) {
  r <- as.integer(substr(a, 2, 2)); c <- as.integer(substr(a, 4, 4))
  cand <- rbind(c(r - 1, c), c(r + 1, c), c(r, c - 1), c(r, c + 1))
  cand <- cand[cand[, 1] >= 1 & cand[, 1] <= 4 & cand[, 2] >= 1 & cand[, 2] <= 4, , drop = FALSE]
  sprintf("r%dc%d", cand[, 1], cand[, 2])
})
names(nbn) <- areas
writeLines(toJSON(list(format = "gam-neighbours/1", neighbours = lapply(nbn, I)), auto_unbox = TRUE), "nb_te.json")
nb <- lapply(nbn, function(v) match(v, areas))
NB <- "tests/data/mrf/nb_te.json"

set.seed(20261207)
n <- 300
with_data <- setdiff(areas, "r4c4")
area <- sample(with_data, n, replace = TRUE, prob = runif(length(with_data), 0.5, 1.5))
year <- sample(1:6, n, replace = TRUE)
x <- runif(n)
a0 <- setNames(rnorm(length(areas), sd = 0.6), areas)
a1 <- setNames(rnorm(length(areas), sd = 0.6), areas)
fac <- sample(c("u", "v"), n, replace = TRUE)
eta <- a0[area] + a1[area] * cos(0.9 * year) + 0.3 * sin(year) + sin(2 * pi * x) + 0.4 * (fac == "v")
y <- eta + rnorm(n, sd = 0.5)
yc <- rpois(n, exp(0.3 + 0.5 * eta))
m <- 40
new <- data.frame(area = sample(areas, m, replace = TRUE), year = sample(1:6, m, replace = TRUE),
                  x = runif(m), fac = sample(c("u", "v"), m, replace = TRUE), stringsAsFactors = FALSE)
new$area[1:3] <- "r4c4" ## an area without training rows
write_csv(data.frame(y = y, yc = yc, area = area, year = year, x = x, fac = fac), "mrf_te_n300.csv")
write_csv(new, "mrf_te_new.csv")

d <- read.csv("mrf_te_n300.csv", stringsAsFactors = FALSE)
d$area <- factor(d$area, levels = areas); d$fac <- factor(d$fac)
nd <- read.csv("mrf_te_new.csv", stringsAsFactors = FALSE)
nd$area <- factor(nd$area, levels = areas); nd$fac <- factor(nd$fac, levels = levels(d$fac))
kn <- list(area = factor(areas, levels = areas))

## ---------------------------------------------------------------- bases
te_low <- te(area, year, bs = c("mrf", "cr"), k = c(8, 5), xt = list(list(nb = nb), NULL))
raw_te <- smoothCon(te_low, data = d, knots = kn, absorb.cons = FALSE)[[1]]
stopifnot(!raw_te$plot.me)
bas <- function(sm, text) list(
  text = text, ncol = ncol(sm$X), X = num(t(sm$X)),
  S = lapply(sm$S, function(s) num(s)), pred_X = num(t(PredictMat(sm, nd))))
out <- list(
  data = "mrf/mrf_te_n300.csv", newdata = "mrf/mrf_te_new.csv", nrow = nrow(d),
  te = bas(raw_te, sprintf("te(area, year, bs = c(\"mrf\", \"cr\"), k = c(8, 5), xt = list(\"%s\", NULL))", NB))
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA), "basis_te.json")
cat("basis_te:", ncol(raw_te$X), "columns\n")

## ---------------------------------------------------------------- fits
median_time <- function(f, reps = 10) {
  median(sapply(seq_len(reps), function(i) { t0 <- proc.time()[["elapsed"]]; f(); proc.time()[["elapsed"]] - t0 }))
}
predict_manual <- function(b, nd) {
  Xp <- model.matrix(delete.response(b$pterms), nd)
  for (sm in b$smooth) Xp <- cbind(Xp, PredictMat(sm, nd))
  stopifnot(ncol(Xp) == length(coef(b)))
  list(fit = drop(Xp %*% coef(b)), se = sqrt(rowSums((Xp %*% b$Vp) * Xp)))
}
cases <- list(
  list(id = "te_mrf_gauss",
       ours = sprintf("y ~ te(area, year, bs = c(\"mrf\", \"cr\"), k = c(8, 5), xt = list(\"%s\", NULL)) + s(x)", NB),
       r = y ~ te(area, year, bs = c("mrf", "cr"), k = c(8, 5), xt = list(list(nb = nb), NULL)) + s(x),
       family = gaussian()),
  list(id = "te_mrf_pois",
       ours = sprintf("yc ~ te(area, year, bs = c(\"mrf\", \"cr\"), k = c(16, 4), xt = \"%s\")", NB),
       r = yc ~ te(area, year, bs = c("mrf", "cr"), k = c(16, 4), xt = list(nb = nb)), family = poisson()),
  list(id = "ti_mrf_gauss",
       ours = sprintf("y ~ s(x) + ti(area, year, bs = c(\"mrf\", \"cr\"), k = c(16, 4), xt = list(\"%s\", NULL))", NB),
       r = y ~ s(x) + ti(area, year, bs = c("mrf", "cr"), k = c(16, 4), xt = list(list(nb = nb), NULL)),
       family = gaussian()),
  list(id = "ti_mrf_low",
       ours = sprintf(paste0("y ~ s(area, bs = \"mrf\", k = 12, xt = \"%s\") + s(year, k = 5) + ",
                             "ti(area, year, bs = c(\"mrf\", \"cr\"), k = c(10, 4), xt = list(\"%s\", NULL))"), NB, NB),
       r = y ~ s(area, bs = "mrf", k = 12, xt = list(nb = nb)) + s(year, k = 5) +
         ti(area, year, bs = c("mrf", "cr"), k = c(10, 4), xt = list(list(nb = nb), NULL)),
       family = gaussian()),
  list(id = "t2_mrf_low",
       ours = sprintf("y ~ t2(area, year, bs = c(\"mrf\", \"cr\"), k = c(8, 5), xt = list(\"%s\", NULL))", NB),
       r = y ~ t2(area, year, bs = c("mrf", "cr"), k = c(8, 5), xt = list(list(nb = nb), NULL)), family = gaussian()),
  list(id = "te_mrf_by",
       ours = sprintf("y ~ fac + te(area, year, bs = c(\"mrf\", \"cr\"), k = c(6, 4), by = fac, xt = list(\"%s\", NULL))", NB),
       r = y ~ fac + te(area, year, bs = c("mrf", "cr"), k = c(6, 4), by = fac, xt = list(list(nb = nb), NULL)),
       family = gaussian())
)
for (cs in cases) {
  G <- gam(cs$r, family = cs$family, data = d, knots = kn, method = "REML", fit = FALSE)
  b <- gam(cs$r, family = cs$family, data = d, knots = kn, method = "REML")
  pr <- predict_manual(b, nd)
  ok <- nd$area %in% unique(d$area)
  chk <- predict(b, nd[ok, ], type = "link", se.fit = TRUE)
  stopifnot(max(abs(chk$fit - pr$fit[ok])) < 1e-10, max(abs(chk$se.fit - pr$se[ok])) < 1e-10)
  secs <- median_time(function() gam(cs$r, family = cs$family, data = d, knots = kn, method = "REML"))
  st <- summary(b)$s.table
  out <- list(
    id = cs$id, data = "mrf/mrf_te_n300.csv", newdata = "mrf/mrf_te_new.csv",
    formula = cs$ours, family = b$family$family, link = b$family$link,
    n_coef = ncol(G$X), X = num(t(G$X)),
    S = lapply(seq_along(G$S), function(i) list(off = G$off[i], dim = ncol(G$S[[i]]), S = num(G$S[[i]]))),
    L = NULL,
    coef_names = names(coef(b)),
    reml = num(b$gcv.ubre), sp = num(b$sp), full_sp = num(b$sp), full_sp_names = names(b$sp),
    edf = num(sapply(b$smooth, function(s) sum(b$edf[s$first.para:s$last.para]))),
    labels = sapply(b$smooth, function(s) s$label),
    plot_me = sapply(b$smooth, function(s) isTRUE(s$plot.me)),
    s_table = list(edf = num(st[, 1]), ref_df = num(st[, 2]), stat = num(st[, 3]), p_value = num(st[, 4])),
    fitted = num(b$fitted.values),
    pred = num(pr$fit), pred_se = num(pr$se),
    mgcv_seconds = num(secs)
  )
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = FALSE, digits = NA), paste0(cs$id, ".json"))
  for (sm in G$smooth) stopifnot(is.null(attr(sm, "del.index")))
  cat(cs$id, ": p =", ncol(G$X), " sp =", format(b$sp, digits = 4), " reml =", format(b$gcv.ubre, digits = 10),
      " mgcv", format(secs * 1e3, digits = 3), "ms\n")
  print(st)
}
