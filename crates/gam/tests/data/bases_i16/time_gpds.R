suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
# Median time of 7 fits of each reference model; run from this folder, interleaved with
#   cargo test --release -p gam --test gpds_fidelity time_reference_fits -- --ignored --nocapture
d <- read.csv("gpds_data.csv", stringsAsFactors = TRUE); db <- read.csv("gpds_big.csv")
for (id in c("gauss", "gauss_types", "gauss_by", "pois", "te_gp", "big")) {
  r <- fromJSON(paste0("fit_", id, ".json"))
  dat <- if (grepl("big", r$data)) db else d
  fam <- if (r$family == "poisson") poisson() else gaussian()
  t <- sapply(1:7, function(i) system.time(suppressWarnings(gam(as.formula(r$formula), family = fam, data = dat, method = "REML")))[["elapsed"]])
  cat(sprintf("TIME %s %.4f\n", id, median(t)))
}
