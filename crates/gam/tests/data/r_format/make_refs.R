# Reference outputs of R's formatting for the `gam` binary's rformat and
# deparse modules (their unit tests read the JSON files written here).
# Run from this directory: Rscript make_refs.R
# Written with R 4.x (mgcv's print.summary.gam formatting: format(),
# formatC(), format.pval(), printCoefmat() and print(<formula>)).
library(jsonlite)
num <- function(x) sprintf("%.17g", x)
save <- function(x, file) writeLines(toJSON(x, auto_unbox = TRUE, digits = NA), file)

set.seed(2)
fmt <- list(); fmtc <- list(); pval <- list()
for (k in 1:600) {
  n <- sample(1:4, 1); d <- sample(1:7, 1)
  x <- sample(c(-1, 1), n, TRUE) * round(10^runif(n, -8, 8), sample(0:12, 1))
  x <- signif(x, sample(1:8, 1))
  if (runif(1) < 0.1) x[1] <- 0
  fmt[[k]] <- list(x = I(num(x)), digits = d, out = I(format(x, digits = d)))
  w <- sample(c(NA, 0:9), 1); left <- k %% 3 == 0
  flag <- if (left) "-" else ""
  out <- if (is.na(w)) formatC(x[1], digits = d, flag = flag) else formatC(x[1], digits = d, width = w, flag = flag)
  fmtc[[k]] <- list(x = num(x[1]), digits = d, width = if (is.na(w)) NULL else w, left = left, out = out)
  p <- 10^runif(n, -25, 0)
  pval[[k]] <- list(p = I(num(p)), out = I(format.pval(p, digits = 3, eps = .Machine$double.eps)))
}
save(list(format = fmt, formatC = fmtc, format_pval = pval), "format.json")

set.seed(1)
cm <- list()
for (k in 1:200) {
  n <- sample(1:4, 1)
  smooth <- k %% 2 == 0
  if (!smooth) {
    mag <- runif(1, -6, 6)
    est <- sample(c(-1, 1), n, TRUE) * 10^(mag + runif(n, -3, 3))
    if (runif(1) < 0.1) est[1] <- 0
    se <- abs(est) * 10^runif(n, -3, 2) + 10^(mag - 5)
    tv <- est / se
    m <- cbind(est, se, tv, 2 * pt(-abs(tv), df = 100))
    colnames(m) <- c("Estimate", "Std. Error", "t value", "Pr(>|t|)")
    rownames(m) <- c("(Intercept)", "x", "fac_level_b", "z")[1:n]
    out <- capture.output(printCoefmat(m, digits = 4, signif.stars = TRUE, na.print = "NA"))
  } else {
    edf <- ifelse(runif(n) < 0.3, 1 + 10^runif(n, -6, -1), runif(n, 1, 40))
    m <- cbind(edf, edf + runif(n, 0, 3), 10^runif(n, -3, 4),
               ifelse(runif(n) < 0.3, 10^runif(n, -30, -10), 10^runif(n, -6, 0)))
    colnames(m) <- c("edf", "Ref.df", "F", "p-value")
    rownames(m) <- c("s(x)", "te(a,b)", "s(x2):facb", "s(z)")[1:n]
    out <- capture.output(printCoefmat(m, digits = 4, signif.stars = TRUE, has.Pvalue = TRUE,
                                       na.print = "NA", cs.ind = 1))
  }
  cm[[k]] <- list(smooth = smooth, rows = I(rownames(m)), cols = I(colnames(m)),
                  columns = lapply(1:4, function(j) I(num(m[, j]))), out = I(out))
}
save(cm, "coefmat.json")

set.seed(3)
sm <- function() {
  v <- sample(c("x", "x0", "times", "Solar.R", "`a b`", "long_variable_name"), 1)
  args <- c()
  if (runif(1) < .5) args <- c(args, sprintf("bs=%s", sample(c("'cr'", "\"tp\"", "'ps'"), 1)))
  if (runif(1) < .5) args <- c(args, sprintf("k = %s", sample(c("20", "1e1", "-1", "c(5,5)", "5L"), 1)))
  if (runif(1) < .3) args <- c(args, "by=fac")
  if (runif(1) < .2) args <- c(args, "fx=TRUE")
  f <- sample(c("s", "te", "ti"), 1)
  vs <- if (f == "s") v else paste(v, sample(c("z", "w2"), 1), sep = ",")
  paste0(f, "(", paste(c(vs, args), collapse = sample(c(",", ", ", " , "), 1)), ")")
}
dp <- list()
for (k in 1:120) {
  n <- sample(1:8, 1)
  terms <- replicate(n, if (runif(1) < .7) sm() else sample(c("z", "fac", "offset(o)", "Month"), 1))
  ops <- sample(c(" + ", "+", " - "), n - 1, TRUE, prob = c(.5, .4, .1))
  rhs <- terms[1]
  for (i in seq_len(n - 1)) rhs <- paste0(rhs, ops[i], terms[i + 1])
  if (runif(1) < .1) rhs <- paste0("-1 + ", rhs)
  txt <- paste0(sample(c("y", "accel", "cbind(s,f)"), 1), sample(c("~", " ~ ", "~ "), 1), rhs)
  dp[[k]] <- list(text = txt, out = I(capture.output(print(as.formula(txt)))))
}
save(dp, "deparse.json")
