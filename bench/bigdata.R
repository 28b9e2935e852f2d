# bigdata.R -- helper of bench/bigdata.sh (benchmark for "Big data on one machine").
#
# Usage:
#   Rscript bigdata.R gen   --family=F --n=N --out=FILE.csv
#       gamSim(1)-style data (set.seed(1)): gamSim(1, n, scale = 2) for gaussian,
#       gamSim(1, n, dist = "binary", scale = 0.33) for binomial; columns y, x0, x1, x2, x3 rounded
#       to 8 significant digits, written with write.csv (no quotes, no row names)
#   Rscript bigdata.R fit   --method=gam|bam|bamk|bamd --family=F --data=FILE.csv --out=PREFIX
#       read the CSV (timed on its own), fit y ~ s(x0, bs = "cr") + ... + s(x3, bs = "cr") with
#       gam(method = "REML"), bam(method = "fREML"), bam(method = "fREML") with the knots gam()
#       would place (bamk: the same model as gam's, see below) or bam(method = "fREML",
#       discrete = TRUE) (timed on its own), write PREFIX.json (times, gcv.ubre, per-smooth EDF, BLAS) and
#       PREFIX.eta.bin (the fitted linear predictor, n little-endian doubles)
#   Rscript bigdata.R table --dir=RESULTS --family=F --sizes="1e4 1e5" --timeout=600
#       print the comparison table of one family from RESULTS/<family>_<n>/ (written by bigdata.sh)
#
# The BLAS is chosen by bigdata.sh (single-threaded OpenBLAS); every fit records the one R loaded.

suppressPackageStartupMessages({
  library(mgcv)
  library(jsonlite)
})
options(width = 1000, scipen = 0)

targs <- commandArgs(trailingOnly = TRUE)
mode <- if (length(targs)) targs[1] else ""
opt <- function(name, default = NULL) {
  hit <- grep(paste0("^--", name, "="), targs, value = TRUE)
  if (length(hit)) sub(paste0("^--", name, "="), "", hit[1]) else default
}
need <- function(name) {
  v <- opt(name)
  if (is.null(v)) stop(sprintf("--%s=... is required", name))
  v
}

form <- y ~ s(x0, bs = "cr") + s(x1, bs = "cr") + s(x2, bs = "cr") + s(x3, bs = "cr")

# ---------------------------------------------------------------------------------------------
if (mode == "gen") {
  fam <- need("family")
  n <- as.numeric(need("n"))
  out <- need("out")
  set.seed(1)
  d <- switch(fam,
    gaussian = gamSim(1, n, scale = 2, verbose = FALSE),
    binomial = gamSim(1, n, dist = "binary", scale = 0.33, verbose = FALSE),
    stop("unknown family ", fam))
  d <- d[, c("y", "x0", "x1", "x2", "x3")]
  d[] <- lapply(d, signif, digits = 8)
  tmp <- paste0(out, ".tmp")
  write.csv(d, tmp, quote = FALSE, row.names = FALSE)
  file.rename(tmp, out)
  quit(save = "no", status = 0)
}

# ---------------------------------------------------------------------------------------------
if (mode == "fit") {
  method <- need("method")
  fam_name <- need("family")
  data <- need("data")
  prefix <- need("out")
  fam <- switch(fam_name, gaussian = gaussian(), binomial = binomial(), stop("unknown family ", fam_name))
  gc()
  read_s <- system.time(d <- read.csv(data, colClasses = "numeric"), gcFirst = TRUE)[["elapsed"]]
  # bam() places a smooth's knots on a random sample of 10^4 rows (mgcv:::mini.mf), so its
  # default model differs from gam()'s when n > 10^4; "bamk" gives bam the knots gam() places on
  # all n rows (computed before the timer), so that it fits the same model as gam() and gam (Rust)
  knots <- NULL
  if (method == "bamk") {
    vars <- c("x0", "x1", "x2", "x3")
    knots <- setNames(lapply(vars, function(v) {
      term <- eval(substitute(s(v, bs = "cr"), list(v = as.name(v))))
      smoothCon(term, d, knots = NULL)[[1]]$xp
    }), vars)
  }
  fitter <- switch(method,
    gam = function() gam(form, family = fam, data = d, method = "REML"),
    bam = function() bam(form, family = fam, data = d, method = "fREML"),
    bamk = function() bam(form, family = fam, data = d, method = "fREML", knots = knots),
    bamd = function() bam(form, family = fam, data = d, method = "fREML", discrete = TRUE),
    stop("unknown method ", method))
  fit_s <- system.time(fit <- fitter(), gcFirst = TRUE)[["elapsed"]]
  edf <- vapply(fit$smooth, function(sm) sum(fit$edf[sm$first.para:sm$last.para]), 0)
  names(edf) <- vapply(fit$smooth, function(sm) sm$label, "")
  eta <- as.double(fit$linear.predictors)
  con <- file(paste0(prefix, ".eta.bin"), "wb")
  writeBin(eta, con, size = 8, endian = "little")
  close(con)
  res <- list(
    method = method, family = fam_name, n = nrow(d),
    read_s = read_s, fit_s = fit_s,
    score = fit$gcv.ubre[[1]], score_name = names(fit$gcv.ubre)[1],
    edf = as.list(edf), sp = unname(fit$sp),
    converged = isTRUE(fit$converged) || is.null(fit$converged),
    outer_iter = if (!is.null(fit$outer.info$iter)) fit$outer.info$iter else NA,
    blas = extSoftVersion()[["BLAS"]], lapack = La_library(),
    mgcv = as.character(packageVersion("mgcv")), r = R.version.string)
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), paste0(prefix, ".json"))
  quit(save = "no", status = 0)
}

# ---------------------------------------------------------------------------------------------
if (mode != "table") stop("usage: bigdata.R gen|fit|table ...")

dir <- need("dir")
fam_name <- need("family")
sizes <- as.numeric(strsplit(trimws(need("sizes")), "[[:space:]]+")[[1]])
timeout <- opt("timeout", "?")

read_json1 <- function(path) if (file.exists(path)) tryCatch(fromJSON(path), error = function(e) NULL) else NULL

# /usr/bin/time -v: wall seconds and peak RSS (MiB)
read_time <- function(path) {
  out <- list(wall = NA_real_, mib = NA_real_)
  if (!file.exists(path)) return(out)
  l <- readLines(path, warn = FALSE)
  w <- grep("Elapsed \\(wall clock\\) time", l, value = TRUE)
  if (length(w)) {
    v <- sub(".*: *", "", sub("^.*\\(h:mm:ss or m:ss\\)", "", w[1]))
    p <- as.numeric(strsplit(v, ":")[[1]])
    out$wall <- sum(p * 60^(rev(seq_along(p)) - 1))
  }
  m <- grep("Maximum resident set size", l, value = TRUE)
  if (length(m)) out$mib <- as.numeric(sub(".*: *", "", m[1])) / 1024
  out
}

# status written by bigdata.sh: "ok", "skipped: ...", "timeout", "error: ..."
read_status <- function(path) if (file.exists(path)) paste(readLines(path, warn = FALSE), collapse = " ") else "missing"

read_eta_bin <- function(path, n) {
  if (!file.exists(path)) return(NULL)
  con <- file(path, "rb"); on.exit(close(con))
  readBin(con, "double", n = n, size = 8, endian = "little")
}
read_eta_gam <- function(path) {
  if (!file.exists(path)) return(NULL)
  x <- tryCatch(scan(path, what = double(), skip = 1, sep = ",", quiet = TRUE), error = function(e) NULL)
  x
}

methods <- c(gam = "gam", gamR = "gam", bam = "bam", bamk = "bamk", bamd = "bamd")
labels <- c(gam = "gam (Rust)", gamR = "mgcv gam(REML)", bam = "mgcv bam(fREML)",
            bamk = "mgcv bam(fREML, gam's knots)", bamd = "mgcv bam(fREML, discrete)")
notes <- character()
blas_seen <- character()
rows <- list()

f3 <- function(x) ifelse(is.na(x), NA_character_, ifelse(x >= 100, sprintf("%.1f", x), sprintf("%.3g", x)))
fr <- function(x) ifelse(is.na(x), NA_character_, sprintf("%.2f", x))
fe <- function(x) ifelse(is.na(x), NA_character_, sprintf("%.1e", x))

for (n in sizes) {
  nlab <- sub("e\\+0*", "e", format(n, scientific = TRUE, digits = 6))
  cdir <- file.path(dir, sprintf("%s_%s", fam_name, format(n, scientific = FALSE)))
  st <- list(); tm <- list(); js <- list(); eta <- list()
  for (m in names(methods)) {
    st[[m]] <- read_status(file.path(cdir, paste0(m, ".status")))
    tm[[m]] <- read_time(file.path(cdir, paste0(m, ".time")))
    if (st[[m]] != "ok") {
      if (!startsWith(st[[m]], "skipped")) notes <- c(notes, sprintf("n = %s, %s: %s", nlab, labels[[m]], st[[m]]))
      next
    }
    if (m == "gam") {
      js[[m]] <- read_json1(file.path(cdir, "gam.fit.json"))
      eta[[m]] <- read_eta_gam(file.path(cdir, "gam.eta.csv"))
    } else {
      js[[m]] <- read_json1(file.path(cdir, paste0(m, ".json")))
      if (!is.null(js[[m]])) {
        eta[[m]] <- read_eta_bin(file.path(cdir, paste0(m, ".eta.bin")), js[[m]]$n)
        blas_seen <- c(blas_seen, js[[m]]$blas)
      }
    }
  }
  # short cell for a method that did not run
  cell <- function(m, v) {
    s <- st[[m]]
    if (s == "ok") return(v)
    if (startsWith(s, "skipped")) return("skip")
    if (startsWith(s, "timeout")) return("TIMEOUT")
    "ERROR"
  }
  ok <- function(m) st[[m]] == "ok" && !is.null(js[[m]])
  fit_s <- function(m) if (ok(m)) js[[m]]$fit_s else NA
  wall <- function(m) if (st[[m]] == "ok") tm[[m]]$wall else NA
  mib <- function(m) if (st[[m]] == "ok") tm[[m]]$mib else NA
  read_s <- function(m) if (ok(m)) js[[m]]$read_s else NA

  # sd for scaling linear-predictor differences: sd(y) (gaussian) or sd(bam's linear predictor)
  y_sd <- NA
  if (fam_name == "gaussian") {
    y_sd <- tryCatch({
      dfile <- readLines(file.path(cdir, "data.path"), warn = FALSE)[1]
      sd(scan(dfile, what = list(double(), NULL, NULL, NULL, NULL), sep = ",", skip = 1, quiet = TRUE)[[1]])
    }, error = function(e) NA)
  } else if (!is.null(eta$bamk)) {
    y_sd <- sd(eta$bamk)
  } else if (!is.null(eta$bam)) {
    y_sd <- sd(eta$bam)
  }
  eta_diff <- function(a, b) {
    if (is.null(eta[[a]]) || is.null(eta[[b]]) || length(eta[[a]]) != length(eta[[b]])) return(NA)
    max(abs(eta[[a]] - eta[[b]])) / y_sd
  }
  edf_diff <- function(a, b) {
    if (!ok(a) || !ok(b)) return(NA)
    ea <- if (a == "gam") setNames(js$gam$smooths$edf, js$gam$smooths$label) else unlist(js[[a]]$edf)
    eb <- if (b == "gam") setNames(js$gam$smooths$edf, js$gam$smooths$label) else unlist(js[[b]]$edf)
    if (!setequal(names(ea), names(eb))) return(NA)
    max(abs(ea[names(eb)] - eb))
  }
  score <- function(m) if (!ok(m)) NA else if (m == "gam") js$gam$reml_score else js[[m]]$score
  rel_d <- function(a, b) (score(a) - score(b)) / abs(score(b))

  gw <- wall("gam")
  rows[[length(rows) + 1]] <- data.frame(
    n = nlab,
    `gam wall` = cell("gam", f3(gw)),
    `gam MiB` = cell("gam", sprintf("%.0f", mib("gam"))),
    `R read` = if (ok("bam")) f3(read_s("bam")) else if (ok("bamd")) f3(read_s("bamd")) else "-",
    `gamR fit` = cell("gamR", f3(fit_s("gamR"))),
    `bam fit` = cell("bam", f3(fit_s("bam"))),
    `bamD fit` = cell("bamd", f3(fit_s("bamd"))),
    `gamR wall` = cell("gamR", f3(wall("gamR"))),
    `bam wall` = cell("bam", f3(wall("bam"))),
    `bamD wall` = cell("bamd", f3(wall("bamd"))),
    `gamR MiB` = cell("gamR", sprintf("%.0f", mib("gamR"))),
    `bam MiB` = cell("bam", sprintf("%.0f", mib("bam"))),
    `bamD MiB` = cell("bamd", sprintf("%.0f", mib("bamd"))),
    `bamD/gam wall` = fr(wall("bamd") / gw),
    `gamR/gam fit` = fr(fit_s("gamR") / gw),
    `bam/gam fit` = fr(fit_s("bam") / gw),
    `bamD/gam fit` = fr(fit_s("bamd") / gw),
    `dREML rel gamR` = fe(rel_d("gam", "gamR")),
    `dEDF bamK` = fe(edf_diff("gam", "bamk")),
    `dEta bamK` = fe(eta_diff("gam", "bamk")),
    `dEDF gamR` = fe(edf_diff("gam", "gamR")),
    `dEta gamR` = fe(eta_diff("gam", "gamR")),
    `dEDF bam` = fe(edf_diff("gam", "bam")),
    `dEta bam` = fe(eta_diff("gam", "bam")),
    `bamD dEDF bam` = fe(edf_diff("bamd", "bam")),
    `bamD dEta bam` = fe(eta_diff("bamd", "bam")),
    check.names = FALSE, stringsAsFactors = FALSE)
  rows[[length(rows)]][is.na(rows[[length(rows)]])] <- "-"

  # extra information below the table
  if (ok("gam")) {
    o <- js$gam$outer
    ps <- read_status(file.path(cdir, "gam.predict.status"))
    pt <- if (ps == "ok") paste(f3(read_time(file.path(cdir, "gam.predict.time"))$wall), "s") else ps
    notes <- c(notes, sprintf("n = %s, gam: outer iterations %s, %s; gam predict --type link (whole process): %s",
                              nlab, o$iter, o$message, pt))
  }
}

tab <- do.call(rbind, rows)
cat(sprintf("\n=== %s: y ~ s(x0, bs = \"cr\") + s(x1, bs = \"cr\") + s(x2, bs = \"cr\") + s(x3, bs = \"cr\") ===\n", fam_name))
print(tab, row.names = FALSE, right = TRUE)
if (length(notes)) cat(paste0("  ", notes, "\n"), sep = "")
if (length(blas_seen)) cat(sprintf("  BLAS used by the R fits: %s\n", paste(unique(blas_seen), collapse = "; ")))
