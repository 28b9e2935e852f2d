# mgcv_time.R -- time mgcv's gam(method = "REML") on the public reference cases (every family) and
# print a comparison table with gam's timings (JSON lines written by crates/gam/examples/bench_fit).
#
# Usage:
#   Rscript mgcv_time.R --bench-dir=DIR --list
#       print the ids of the cases of DIR/cases.json (selected by id if given), one a line
#   Rscript mgcv_time.R --bench-dir=DIR --gam-dir=GDIR [--reps=5] [--warmup=1] [id ...]
#       time mgcv on each case with the case's family and link (data read and factors made first,
#       not timed; `warmup` untimed fits, then `reps` timed fits, median reported) and print the
#       table, reading gam's results from GDIR/<id>.json (bench_fit output on all cores) and
#       GDIR/<id>.1core.json (one core); the geometric mean of the ratios is given overall and per
#       family/link
#
# Called by bench/compare_mgcv.sh, which chooses the BLAS; this script reports the one in use.

suppressPackageStartupMessages({
  library(mgcv)
  library(jsonlite)
})
invisible(Sys.setlocale("LC_COLLATE", "C"))
options(width = 250)

targs <- commandArgs(trailingOnly = TRUE)
opt <- function(name, default = NULL) {
  hit <- grep(paste0("^--", name, "="), targs, value = TRUE)
  if (length(hit)) sub(paste0("^--", name, "="), "", hit[1]) else default
}
bench <- opt("bench-dir")
if (is.null(bench)) stop("--bench-dir=DIR is required")
gam_dir <- opt("gam-dir")
reps <- as.integer(opt("reps", "5"))
warmup <- as.integer(opt("warmup", "1"))
only <- targs[!grepl("^--", targs)]

cases <- fromJSON(file.path(bench, "cases.json"), simplifyVector = FALSE)
if (length(only)) cases <- Filter(function(cs) cs$id %in% only, cases)

if ("--list" %in% targs) {
  writeLines(vapply(cases, `[[`, "", "id"))
  quit(save = "no", status = 0)
}
if (is.null(gam_dir)) stop("--gam-dir=GDIR is required")

# Factor levels exactly as mgcv_ref.R makes them (sorted unique values; numeric order when all are numbers).
make_factor <- function(x) {
  x <- as.character(x)
  lv <- unique(x)
  nm <- suppressWarnings(as.numeric(lv))
  lv <- if (!anyNA(nm)) lv[order(nm)] else sort(lv, method = "radix")
  factor(x, levels = lv)
}

read_gam <- function(path) {
  if (!file.exists(path)) return(NULL)
  tryCatch(fromJSON(path), error = function(e) NULL)
}

blas <- extSoftVersion()[["BLAS"]]
cat(sprintf("mgcv %s, %s\n", as.character(packageVersion("mgcv")), R.version.string))
cat(sprintf("BLAS used by R:   %s\n", blas))
cat(sprintf("LAPACK used by R: %s\n", La_library()))
cat(sprintf("Times: fit only, data already loaded; median of %d timed fits after %d untimed warm-up fit(s).\n",
            reps, warmup))
cat("  mgcv: gam(formula, family = <family>(link = <link>), data, method = \"REML\") in one R process",
    "(single-threaded BLAS: one core).\n")
cat("  gam:  GamSpec::fit in crates/gam/examples/bench_fit (release); 'gam' on all cores,",
    "'gam 1core' pinned to one core with taskset.\n")
cat("  mgcv refBLAS: mgcv's median time recorded in ref/<id>.json (Debian reference BLAS, another run),",
    "for context only.\n")
cat("  ratio = mgcv time / gam time (> 1: gam faster). dREML = gam REML - mgcv REML (relative in brackets);",
    "REML is mgcv's gcv.ubre (Laplace-approximate REML for non-Gaussian families).\n\n")

rows <- list()
for (cs in cases) {
  d <- read.csv(file.path(bench, cs$data), stringsAsFactors = FALSE, check.names = FALSE)
  for (f in unlist(cs$factors)) d[[f]] <- make_factor(d[[f]])
  form <- as.formula(cs$formula, env = globalenv())
  fam <- get(cs$family, mode = "function")(link = cs$link)
  fitter <- function() gam(form, family = fam, data = d, method = "REML")
  for (i in seq_len(warmup)) fit <- fitter()
  times <- numeric(reps)
  for (i in seq_len(reps)) {
    times[i] <- system.time(fit <- fitter(), gcFirst = TRUE)[["elapsed"]]
  }
  g <- read_gam(file.path(gam_dir, paste0(cs$id, ".json")))
  g1 <- read_gam(file.path(gam_dir, paste0(cs$id, ".1core.json")))
  mgcv_t <- median(times)
  mgcv_reml <- fit$gcv.ubre[[1]]
  ref_path <- file.path(bench, "ref", paste0(cs$id, ".json"))
  ref_t <- if (file.exists(ref_path)) fromJSON(ref_path)$gam$time_s_median else NA
  gam_t <- if (is.null(g)) NA else g$median_s
  gam1_t <- if (is.null(g1)) NA else g1$median_s
  gam_reml <- if (is.null(g)) NA else g$reml_score
  rows[[length(rows) + 1]] <- data.frame(
    case = cs$id, family = paste0(cs$family, "/", cs$link), n = nrow(d),
    mgcv_s = mgcv_t, mgcv_ref_s = ref_t, gam_s = gam_t, ratio = mgcv_t / gam_t,
    gam_1core_s = gam1_t, ratio_1core = mgcv_t / gam1_t,
    mgcv_reml = mgcv_reml, dREML = gam_reml - mgcv_reml,
    stringsAsFactors = FALSE)
}
tab <- do.call(rbind, rows)

fmt_t <- function(x) ifelse(is.na(x), "fail", sprintf("%.4f", x))
fmt_r <- function(x) ifelse(is.na(x), "-", sprintf("%.1fx", x))
fmt_d <- function(d, ref) ifelse(is.na(d), "-", sprintf("%.2e (%.1e)", d, abs(d) / abs(ref)))
out <- data.frame(
  case = tab$case, family = tab$family, n = tab$n,
  `mgcv s` = fmt_t(tab$mgcv_s), `mgcv refBLAS s` = fmt_t(tab$mgcv_ref_s), `gam s` = fmt_t(tab$gam_s), ratio = fmt_r(tab$ratio),
  `gam 1core s` = fmt_t(tab$gam_1core_s), `ratio 1core` = fmt_r(tab$ratio_1core),
  `mgcv REML` = sprintf("%.6f", tab$mgcv_reml), `dREML (rel)` = fmt_d(tab$dREML, tab$mgcv_reml),
  check.names = FALSE, stringsAsFactors = FALSE)
print(out, row.names = FALSE, right = TRUE)

ok <- !is.na(tab$ratio)
if (any(ok)) {
  cat(sprintf("\nGeometric mean ratio mgcv/gam over %d cases: %.1fx all cores, %.1fx one core.\n",
              sum(ok), exp(mean(log(tab$ratio[ok]))),
              exp(mean(log(tab$ratio_1core[ok & !is.na(tab$ratio_1core)])))))
}
if (any(ok) && length(unique(tab$family[ok])) > 1) {
  for (fl in unique(tab$family[ok])) {
    sel <- ok & tab$family == fl
    cat(sprintf("  %s (%d cases): %.1fx all cores, %.1fx one core.\n", fl, sum(sel),
                exp(mean(log(tab$ratio[sel]))), exp(mean(log(tab$ratio_1core[sel & !is.na(tab$ratio_1core)])))))
  }
}
rel <- abs(tab$dREML) / abs(tab$mgcv_reml)
big <- !is.na(rel) & rel > 1e-6
if (any(big)) cat(sprintf("REML relative difference above 1e-6: %s\n", paste(tab$case[big], collapse = ", ")))
slow <- ok & tab$ratio < 1
if (any(slow)) cat(sprintf("gam slower than mgcv (all cores): %s\n", paste(tab$case[slow], collapse = ", ")))
if (any(!ok)) cat(sprintf("gam failed on: %s\n", paste(tab$case[!ok], collapse = ", ")))
cat(sprintf("BLAS used by R: %s\n", blas))
