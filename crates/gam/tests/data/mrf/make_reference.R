# How the references in this folder were made (mgcv 1.8-41). Not run in CI:
#   cd crates/gam/tests/data/mrf && Rscript make_reference.R
# Issue 16: Markov random field smooths, s(area, bs = "mrf"). The areas are a
# 4 x 4 grid with rook neighbours plus an island without neighbours; area
# r4c4 has no data (it is a knot of mgcv's, a key of our file). Writes
# nb.json (our gam-neighbours/1 file), mrf_n300.csv, mrf_new.csv and one
# <case>.json per model with mgcv's model matrix G$X and penalties G$S
# (gam(..., fit = FALSE)) and the REML fit. Deterministic.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")
source("../ref_common.R") # write_csv, num, write_setup_fit_refs

grid <- expand.grid(r = 1:4, c = 1:4)
areas <- sort(c(sprintf("r%dc%d", grid$r, grid$c), "island"), method = "radix")
nbn <- lapply(areas, function(a) {
  if (a == "island") return(character(0))
  r <- as.integer(substr(a, 2, 2)); c <- as.integer(substr(a, 4, 4))
  cand <- rbind(c(r - 1, c), c(r + 1, c), c(r, c - 1), c(r, c + 1))
  cand <- cand[cand[, 1] >= 1 & cand[, 1] <= 4 & cand[, 2] >= 1 & cand[, 2] <= 4, , drop = FALSE]
  sprintf("r%dc%d", cand[, 1], cand[, 2])
})
names(nbn) <- areas
writeLines(toJSON(list(format = "gam-neighbours/1", neighbours = lapply(nbn, I)), auto_unbox = TRUE), "nb.json")
nb <- lapply(nbn, function(v) match(v, areas)) ## mgcv's index form

set.seed(20261208)
n <- 300
with_data <- setdiff(areas, "r4c4")
area <- sample(with_data, n, replace = TRUE)
effect <- setNames(rnorm(length(areas), sd = 0.7), areas)
x <- runif(n)
eta <- effect[area] + sin(2 * pi * x)
y <- eta + rnorm(n, sd = 0.4)
yc <- rpois(n, exp(0.5 + 0.5 * eta))
m <- 30
new <- data.frame(area = sample(areas, m, replace = TRUE), x = runif(m), stringsAsFactors = FALSE)
new$area[new$area == "r4c4"] <- "r1c1" ## predict.gam refuses levels without training data
write_csv(data.frame(y = y, yc = yc, area = area, x = x), "mrf_n300.csv")
write_csv(new, "mrf_new.csv")

d <- read.csv("mrf_n300.csv", stringsAsFactors = FALSE)
d$area <- factor(d$area, levels = areas)
nd <- read.csv("mrf_new.csv", stringsAsFactors = FALSE)
nd$area <- factor(nd$area, levels = areas)
kn <- list(area = factor(areas, levels = areas))

cases <- list(
  list(id = "mrf_gauss", formula = "y ~ s(area, bs = \"mrf\", xt = \"tests/data/mrf/nb.json\") + s(x)",
       r = y ~ s(area, bs = "mrf", xt = list(nb = nb)) + s(x), family = gaussian()),
  list(id = "mrf_pois", formula = "yc ~ s(area, bs = \"mrf\", xt = \"tests/data/mrf/nb.json\")",
       r = yc ~ s(area, bs = "mrf", xt = list(nb = nb)), family = poisson())
)
# The summary's smooth tests too (printed as they are written).
s_table <- function(b) {
  st <- summary(b)$s.table
  print(st)
  list(s_table = list(edf = num(st[, 1]), ref_df = num(st[, 2]), stat = num(st[, 3]), p_value = num(st[, 4])))
}
write_setup_fit_refs(cases, d, nd, "mrf/mrf_n300.csv", "mrf/mrf_new.csv", reps = 20, knots = kn, extra = s_table)
