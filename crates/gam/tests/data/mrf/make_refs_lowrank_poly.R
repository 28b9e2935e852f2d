# References for the low-rank MRF and for areas given by polygons (issue 16), mgcv 1.8-41.
# Not run in CI:
#   cd crates/gam/tests/data/mrf && Rscript make_refs_lowrank_poly.R
# The areas are a 5 x 6 grid of jittered quadrilaterals a01..a30 (queen contiguity: cells
# sharing a corner vertex are neighbours, as pol2nb finds them). Writes:
#  - nb_low.json (gam-neighbours/1, neighbours of the 30 cells), mrf_low_n400.csv,
#    mrf_low_new.csv (areas a07 and a22 have no data; the new rows include them);
#  - basis_low.json: smoothCon of s(area, bs = "mrf", k = 12) with absorb.cons = FALSE and TRUE
#    (X, S, rank, null space) and PredictMat at the new areas;
#  - mrf_low_gauss.json (k = 12, + s(x)) and mrf_low_pois.json (k = 8): gam(..., fit = FALSE)'s
#    G$X and G$S and the REML fit, as make_reference.R writes them; predictions with standard
#    errors are computed from PredictMat and Vp, since predict.gam refuses an area without
#    training data (they are checked against predict.gam on the rows it accepts);
#  - polys.json (gam-neighbours/1 with "polygons" only: the grid plus area "lake" (a hole of a15),
#    a second ring of a01 offshore, an island "isl", and "p1", "p2" touching at a vertex whose
#    coordinates differ in the 17th digit: mgcv's pol2nb compares vertices as 15-digit text, so
#    they are neighbours), mrf_poly_n400.csv, mrf_poly_new.csv and mrf_poly.json: the fit of
#    s(area, bs = "mrf", xt = list(polys = ...)) + s(x), pol2nb's neighbours by name, and
#    plot.gam's per-area values;
#  - mrf_low_by.json: fac + s(area, bs = "mrf", k = 10, by = fac) (a column fac of levels u, v);
#  - mrf_low_poly.json: a low-rank (k = 10) Poisson MRF on the polygons' graph, which has three
#    connected components: mgcv's basis of the null space is an arbitrary rotation, so only the
#    fit (invariant to it) is compared;
#  - the median of 10 fit times per model (mgcv_seconds).
# Numbers as "%.17g" strings. Deterministic: a rerun gives identical files (but the times).
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_csv <- function(d, file) {
  out <- as.data.frame(lapply(d, function(v)
    if (is.numeric(v)) sprintf("%.17g", v) else as.character(v)), stringsAsFactors = FALSE)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}
num <- function(v) I(sprintf("%.17g", as.numeric(v)))
g17 <- function(v) sprintf("%.17g", v)

## ---------------------------------------------------------------- geometry
set.seed(20261216)
nc <- 5; nr <- 6
vx <- matrix(0, nc + 1, nr + 1); vy <- vx
for (i in 0:nc) for (j in 0:nr) {
  inner <- i > 0 && i < nc && j > 0 && j < nr
  vx[i + 1, j + 1] <- i + if (inner) runif(1, -0.25, 0.25) else 0
  vy[i + 1, j + 1] <- j + if (inner) runif(1, -0.25, 0.25) else 0
}
cell <- function(c, r) cbind(c(vx[c, r], vx[c + 1, r], vx[c + 1, r + 1], vx[c, r + 1]),
                             c(vy[c, r], vy[c + 1, r], vy[c + 1, r + 1], vy[c, r + 1]))
grid_names <- sprintf("a%02d", seq_len(nc * nr))
rings <- list()  ## area -> list of rings (2-column matrices)
k <- 0
for (r in 1:nr) for (c in 1:nc) { k <- k + 1; rings[[grid_names[k]]] <- list(cell(c, r)) }
## a15's hole is the lake; a01 has an offshore islet ring; isl stands alone.
cen <- colMeans(rings[["a15"]][[1]])
hole <- cbind(cen[1] + c(-0.15, 0.15, 0.15, -0.15), cen[2] + c(-0.15, -0.15, 0.15, 0.15))
rings[["a15"]][[2]] <- hole
rings[["lake"]] <- list(hole[4:1, ])
rings[["a01"]][[2]] <- cbind(c(-1.5, -1, -1, -1.5), c(-1.5, -1.5, -1, -1))
rings[["isl"]] <- list(cbind(c(7, 8, 8, 7), c(7, 7, 8, 8)))
rings[["p1"]] <- list(cbind(c(7, 8, 7), c(0, 0.3, 1)))
rings[["p2"]] <- list(cbind(c(8, 9, 9), c(0.1 + 0.2, 0, 1)))
stopifnot(0.1 + 0.2 != 0.3)
poly_areas <- sort(names(rings), method = "radix")

ring_json <- function(m) paste0("[", paste0("[", g17(m[, 1]), ",", g17(m[, 2]), "]", collapse = ","), "]")
area_json <- function(a) paste0("\"", a, "\":[", paste(sapply(rings[[a]], ring_json), collapse = ","), "]")
writeLines(paste0("{\"format\":\"gam-neighbours/1\",\"polygons\":{",
                  paste(sapply(names(rings), area_json), collapse = ","), "}}"), "polys.json")
## mgcv's form: one matrix per area, rings separated by an NA row.
polys <- lapply(poly_areas, function(a) do.call(rbind, lapply(seq_along(rings[[a]]), function(i)
  if (i == 1) rings[[a]][[i]] else rbind(c(NA, NA), rings[[a]][[i]]))))
names(polys) <- poly_areas
nb_poly <- mgcv:::pol2nb(polys)$nb
nb_poly_names <- lapply(nb_poly, function(i) sort(poly_areas[i], method = "radix"))
stopifnot("p2" %in% nb_poly_names[["p1"]], "lake" %in% nb_poly_names[["a15"]])

## The grid alone, its neighbours written as a classic neighbours file.
low_areas <- grid_names
nb_low <- lapply(low_areas, function(a) sort(intersect(poly_areas[nb_poly[[a]]], low_areas), method = "radix"))
names(nb_low) <- low_areas
writeLines(toJSON(list(format = "gam-neighbours/1", neighbours = lapply(nb_low, I)), auto_unbox = TRUE),
           "nb_low.json")
nb_low_idx <- lapply(nb_low, function(v) match(v, low_areas))

## ---------------------------------------------------------------- data
n <- 400
draw_data <- function(areas, empty, file, newfile, m = 24) {
  with_data <- setdiff(areas, empty)
  prob <- runif(length(with_data), 0.3, 1.7)  ## unequal counts: distinct eigenvalues
  area <- sample(with_data, n, replace = TRUE, prob = prob)
  cx <- sapply(areas, function(a) mean(rings[[a]][[1]][, 1]))
  cy <- sapply(areas, function(a) mean(rings[[a]][[1]][, 2]))
  effect <- sin(cx / 2) + cos(cy / 2) + rnorm(length(areas), sd = 0.2)
  names(effect) <- areas
  x <- runif(n)
  eta <- effect[area] + sin(2 * pi * x)
  y <- eta + rnorm(n, sd = 0.4)
  yc <- rpois(n, exp(0.3 + 0.6 * eta))
  new <- data.frame(area = c(empty, sample(with_data, m - length(empty), replace = TRUE)), x = runif(m),
                    stringsAsFactors = FALSE)
  fac <- sample(c("u", "v"), n, replace = TRUE)  ## for a by = factor smooth
  new$fac <- sample(c("u", "v"), m, replace = TRUE)
  write_csv(data.frame(y = y + 0.5 * (fac == "v") * effect[area], yc = yc, area = area, x = x, fac = fac), file)
  write_csv(new, newfile)
}
draw_data(low_areas, c("a07", "a22"), "mrf_low_n400.csv", "mrf_low_new.csv")
draw_data(poly_areas, c("a22"), "mrf_poly_n400.csv", "mrf_poly_new.csv")

load <- function(file, areas) {
  d <- read.csv(file, stringsAsFactors = FALSE)
  d$area <- factor(d$area, levels = areas)
  d
}
dl <- load("mrf_low_n400.csv", low_areas); nl <- load("mrf_low_new.csv", low_areas)
dp <- load("mrf_poly_n400.csv", poly_areas); np <- load("mrf_poly_new.csv", poly_areas)
dl$fac <- factor(dl$fac); nl$fac <- factor(nl$fac, levels = levels(dl$fac))
knl <- list(area = factor(low_areas, levels = low_areas))
knp <- list(area = factor(poly_areas, levels = poly_areas))

## ---------------------------------------------------------------- the low-rank basis
## The eigenvalues mgcv's nat.param orders (R^-T S R^-1 with dummy rows for empty areas) must be
## distinct around the cut, or the kept columns are not determined.
eigen_gaps <- function(d, areas, nb, k) {
  X <- model.matrix(~ area - 1, d)
  mi <- which(colSums(X) == 0)
  for (i in mi) { r <- rep(0, ncol(X)); r[i] <- 1; X <- rbind(r, X) }
  S <- smoothCon(s(area, bs = "mrf", xt = list(nb = nb)), data = d, knots = list(area = factor(areas, levels = areas)),
                 scale.penalty = FALSE)[[1]]$S[[1]]  ## the neighbourhood penalty itself
  R <- qr.R(qr(X))
  ev <- eigen(forwardsolve(t(R), t(forwardsolve(t(R), t(S)))), symmetric = TRUE)$values
  p <- length(ev); cut <- p - k
  rel <- abs(diff(ev[(cut - 1):(cut + 2)])) / ev[1]
  cat("eigenvalues around the cut (k =", k, "):", format(ev[(cut - 1):(cut + 2)], digits = 6),
      " relative gaps", format(rel, digits = 3), "\n")
  stopifnot(all(rel > 1e-3))
}
eigen_gaps(dl, low_areas, nb_low_idx, 12)
eigen_gaps(dl, low_areas, nb_low_idx, 8)
eigen_gaps(dp, poly_areas, nb_poly, 10)

mrf_low <- s(area, bs = "mrf", k = 12, xt = list(nb = nb_low_idx))
raw <- smoothCon(mrf_low, data = dl, knots = knl, absorb.cons = FALSE)[[1]]
con <- smoothCon(mrf_low, data = dl, knots = knl, absorb.cons = TRUE)[[1]]
unscaled <- smoothCon(mrf_low, data = dl, knots = knl, absorb.cons = FALSE, scale.penalty = FALSE)[[1]]
out <- list(
  data = "mrf/mrf_low_n400.csv", newdata = "mrf/mrf_low_new.csv",
  text = "s(area, bs = \"mrf\", k = 12, xt = \"tests/data/mrf/nb_low.json\")",
  nrow = nrow(raw$X), bs_dim = ncol(raw$X), rank = raw$rank, null_space_dim = raw$null.space.dim,
  raw_X = num(t(raw$X)), raw_S = num(raw$S[[1]]), unscaled_S = num(unscaled$S[[1]]),
  P = num(t(raw$P)),
  X = num(t(con$X)), S = num(con$S[[1]]), ncol = ncol(con$X),
  pred_X = num(t(PredictMat(con, nl)))
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA), "basis_low.json")
cat("basis_low: rank", raw$rank, "null space", raw$null.space.dim, "\n")

## ---------------------------------------------------------------- fits
median_time <- function(f, reps = 10) {
  median(sapply(seq_len(reps), function(i) { t0 <- proc.time()[["elapsed"]]; f(); proc.time()[["elapsed"]] - t0 }))
}
## Predictions with standard errors from PredictMat, for new areas predict.gam refuses.
predict_manual <- function(b, nd) {
  Xp <- model.matrix(delete.response(b$pterms), nd)  ## the parametric columns
  for (sm in b$smooth) Xp <- cbind(Xp, PredictMat(sm, nd))
  stopifnot(ncol(Xp) == length(coef(b)))
  list(fit = drop(Xp %*% coef(b)), se = sqrt(rowSums((Xp %*% b$Vp) * Xp)))
}

cases <- list(
  list(id = "mrf_low_gauss", d = dl, nd = nl, kn = knl, data = "mrf/mrf_low_n400.csv", newdata = "mrf/mrf_low_new.csv",
       ours = "y ~ s(area, bs = \"mrf\", k = 12, xt = \"tests/data/mrf/nb_low.json\") + s(x)",
       r = y ~ s(area, bs = "mrf", k = 12, xt = list(nb = nb_low_idx)) + s(x), family = gaussian()),
  list(id = "mrf_low_pois", d = dl, nd = nl, kn = knl, data = "mrf/mrf_low_n400.csv", newdata = "mrf/mrf_low_new.csv",
       ours = "yc ~ s(area, bs = \"mrf\", k = 8, xt = \"tests/data/mrf/nb_low.json\")",
       r = yc ~ s(area, bs = "mrf", k = 8, xt = list(nb = nb_low_idx)), family = poisson()),
  list(id = "mrf_low_by", d = dl, nd = nl, kn = knl, data = "mrf/mrf_low_n400.csv", newdata = "mrf/mrf_low_new.csv",
       ours = "y ~ fac + s(area, bs = \"mrf\", k = 10, by = fac, xt = \"tests/data/mrf/nb_low.json\")",
       r = y ~ fac + s(area, bs = "mrf", k = 10, by = fac, xt = list(nb = nb_low_idx)), family = gaussian()),
  list(id = "mrf_low_poly", d = dp, nd = np, kn = knp, data = "mrf/mrf_poly_n400.csv", newdata = "mrf/mrf_poly_new.csv",
       ours = "yc ~ s(area, bs = \"mrf\", k = 10, xt = \"tests/data/mrf/polys.json\")",
       r = yc ~ s(area, bs = "mrf", k = 10, xt = list(polys = polys)), family = poisson()),
  list(id = "mrf_poly", d = dp, nd = np, kn = knp, data = "mrf/mrf_poly_n400.csv", newdata = "mrf/mrf_poly_new.csv",
       ours = "y ~ s(area, bs = \"mrf\", xt = \"tests/data/mrf/polys.json\") + s(x)",
       r = y ~ s(area, bs = "mrf", xt = list(polys = polys)) + s(x), family = gaussian())
)
for (cs in cases) {
  d <- cs$d; nd <- cs$nd
  G <- gam(cs$r, family = cs$family, data = d, knots = cs$kn, method = "REML", fit = FALSE)
  b <- gam(cs$r, family = cs$family, data = d, knots = cs$kn, method = "REML")
  pr <- predict_manual(b, nd)
  ok <- nd$area %in% unique(d$area)
  chk <- predict(b, nd[ok, ], type = "link", se.fit = TRUE)
  stopifnot(max(abs(chk$fit - pr$fit[ok])) < 1e-10, max(abs(chk$se.fit - pr$se[ok])) < 1e-10)
  secs <- median_time(function() gam(cs$r, family = cs$family, data = d, knots = cs$kn, method = "REML"))
  st <- summary(b)$s.table
  out <- list(
    id = cs$id, data = cs$data, newdata = cs$newdata,
    formula = cs$ours, family = b$family$family, link = b$family$link,
    n_coef = ncol(G$X), X = num(t(G$X)),
    S = lapply(seq_along(G$S), function(i) list(off = G$off[i], dim = ncol(G$S[[i]]), S = num(G$S[[i]]))),
    L = NULL,
    coef_names = names(coef(b)),
    reml = num(b$gcv.ubre), sp = num(b$sp), full_sp = num(b$sp), full_sp_names = names(b$sp),
    edf = num(sapply(b$smooth, function(s) sum(b$edf[s$first.para:s$last.para]))),
    labels = sapply(b$smooth, function(s) s$label),
    s_table = list(edf = num(st[, 1]), ref_df = num(st[, 2]), stat = num(st[, 3]), p_value = num(st[, 4])),
    fitted = num(b$fitted.values),
    pred = num(pr$fit), pred_se = num(pr$se),
    mgcv_seconds = num(secs)
  )
  if (cs$id == "mrf_poly") {
    out$nb <- lapply(nb_poly_names, I)
    pdf(NULL); pd <- plot(b, pages = 1); dev.off()
    out$plot <- list(areas = names(b$smooth[[1]]$xt$polys), fit = num(pd[[1]]$fit), main = pd[[1]]$main,
                     se = isTRUE(pd[[1]]$se))
  }
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = FALSE, digits = NA), paste0(cs$id, ".json"))
  cat(cs$id, ": p =", ncol(G$X), " sp =", format(b$sp, digits = 4), " reml =", format(b$gcv.ubre, digits = 10),
      " mgcv", format(secs * 1e3, digits = 3), "ms\n")
  print(st)
}
