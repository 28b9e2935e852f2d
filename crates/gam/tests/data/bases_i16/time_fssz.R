# mgcv's fit times of the fs / sz reference models (median of 5, ms), to compare with
# `cargo test --release -p gam --test grouped_fidelity fit_times -- --ignored --nocapture`.
#   cd crates/gam/tests/data/bases_i16 && Rscript time_fssz.R
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
d <- read.csv("fssz_n300.csv", stringsAsFactors = TRUE)
for (id in c("fs_gauss", "fs_cr_pois", "fs_by", "fs_2d", "sz_gauss", "sz_2f", "sz_pois",
            "fs_cp", "fs_gp_pois", "fs_ds_2d", "fs_bs_by", "sz_bs", "sz_gp_pois", "sz_re",
            "sz_id", "sz_2f_id", "fs_id", "fs_knots_gauss", "sz_knots_pois")) {
  r <- fromJSON(paste0("fssz_fit_", id, ".json"))
  fam <- get(r$family)()
  t <- replicate(5, system.time(gam(as.formula(r$formula), family = fam, data = d, method = "REML"))[["elapsed"]])
  cat(sprintf("TIME R %s %.2f ms\n", id, 1000 * median(t)))
}
