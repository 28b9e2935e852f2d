## Rank-detection helpers (from the issue-13 null-space design note's experiments): used by
## make_reference.R to classify each fit. Not mgcv code: ports of the rules the note describes.
eps <- .Machine$double.eps
## Cline-Moler-Stewart-Wilkinson estimate of the condition number of the leading c x c block of
## upper-triangular R (what mgcv's C R_cond computes).
Rcond <- function(R, c) {
  p <- rep(0, c); y <- rep(0, c)
  for (k in c:1) {
    yp <- (1 - p[k]) / R[k, k]; ym <- (-1 - p[k]) / R[k, k]
    i <- seq_len(k - 1)
    pp <- p[i] + R[i, k] * yp; pm <- p[i] + R[i, k] * ym
    if (abs(yp) + sum(abs(pp)) >= abs(ym) + sum(abs(pm))) { y[k] <- yp; p[i] <- pp } else { y[k] <- ym; p[i] <- pm }
  }
  max(sapply(1:c, function(i) sum(abs(R[i, i:c])))) * max(abs(y))
}
## gdiPK's rank rule: drop trailing pivots while 100 eps * Rcond > 1
rank_of <- function(RA, q) { r <- min(q, nrow(RA)); while (eps * 100 * Rcond(RA, r) > 1) r <- r - 1; r }
## an R factor with R'R = X'X and columns in the original order
Rfac <- function(X) { qx <- qr(X, LAPACK = TRUE); R <- qr.R(qx); R[, qx$pivot] <- R; R }
## 1 - smallest cosine between two subspaces (0 = same span)
sdist <- function(P, Vn) { if (ncol(P) != ncol(Vn)) return(NA); if (ncol(P) == 0) return(0)
  1 - min(svd(crossprod(qr.Q(qr(P)), Vn))$d) }
pen_list <- function(m, q) {              # unscaled penalties as full q x q matrices, one per sp
  Sl <- list()
  for (sm in m$smooth) for (k in seq_along(sm$S)) {
    S <- matrix(0, q, q); ii <- sm$first.para:sm$last.para; S[ii, ii] <- sm$S[[k]]; Sl[[length(Sl) + 1]] <- S }
  Sl
}
## directions mgcv dropped: the null space of its Vp
mgcv_dropped <- function(m) { q <- length(coef(m)); k <- q - m$rank
  ev <- eigen(m$Vp, symmetric = TRUE); ev$vectors[, seq_len(k) + q - k, drop = FALSE] }
## U1 built per term (axis null vectors for parametric columns and zero penalty rows)
block_U1 <- function(m, q, rot_null = FALSE) {
  Y <- NULL; vals <- NULL; Z <- NULL; covered <- rep(FALSE, q); blocks <- list(); gmax <- 0
  for (sm in m$smooth) { ii <- sm$first.para:sm$last.para
    B <- Reduce(`+`, lapply(sm$S, function(S) S / norm(S, "F")))
    axis <- which(apply(abs(B), 1, max) <= eps^.66 * max(abs(B)))
    rest <- setdiff(seq_along(ii), axis)
    e <- eigen(B[rest, rest, drop = FALSE], symmetric = TRUE); gmax <- max(gmax, e$values[1])
    blocks[[length(blocks) + 1]] <- list(ii = ii, axis = axis, rest = rest, e = e); covered[ii] <- TRUE }
  for (b in blocks) {
    keep <- b$e$values > gmax * eps^.66
    V <- matrix(0, q, length(b$rest)); V[b$ii[b$rest], ] <- b$e$vectors
    Y <- cbind(Y, V[, keep, drop = FALSE]); vals <- c(vals, b$e$values[keep])
    Zb <- V[, !keep, drop = FALSE]
    if (rot_null && ncol(Zb) > 1) Zb <- Zb %*% qr.Q(qr(matrix(rnorm(ncol(Zb)^2), ncol(Zb))))
    Z <- cbind(Z, Zb)
    for (j in b$axis) { e <- rep(0, q); e[b$ii[j]] <- 1; Z <- cbind(Z, e) } }
  for (j in which(!covered)) { e <- rep(0, q); e[j] <- 1; Z <- cbind(Z, e) }
  o <- order(-vals); list(U1 = cbind(Y[, o, drop = FALSE], Z), vals = vals[o])
}
## the rank detection: pivoted QR of [R U1/||R U1||_F ; (diag(sqrt vals), 0)/sqrt(sum vals)]
drops <- function(R, U) {
  q <- ncol(R); r <- length(U$vals)
  R1 <- R %*% U$U1
  Es <- cbind(diag(sqrt(U$vals), r), matrix(0, r, q - r))
  qa <- qr(rbind(R1 / norm(R1, "F"), Es / norm(Es, "F")), LAPACK = TRUE)
  rank <- rank_of(qr.R(qa), q)
  U$U1[, qa$pivot[seq_len(q - rank) + rank], drop = FALSE]
}
## log det of X'WX + S over the kept directions (the REML ingredient that depends on the drop)
ridge_ldet <- function(m, Zd) {
  X <- predict(m, type = "lpmatrix"); q <- ncol(X); w <- m$working.weights
  H <- crossprod(sqrt(w) * X) + Reduce(`+`, Map(`*`, pen_list(m, q), m$sp))
  cc <- mean(diag(H)); determinant(H + cc * tcrossprod(Zd))$modulus[1] - ncol(Zd) * log(cc)
}
## exact-norm greedy pivoting on the rank-detection matrix: the closest call (runner-up / winner
## column norm) over the steps that pick a column; 1 = a tie decided by rounding
closest_call <- function(R, U) {
  q <- ncol(R); r <- length(U$vals); R1 <- R %*% U$U1
  A <- rbind(R1 / norm(R1, "F"), cbind(diag(sqrt(U$vals), r), matrix(0, r, q - r)) / sqrt(sum(U$vals)))
  Q <- matrix(0, nrow(A), 0); rem <- 1:q; worst <- 0; top <- max(sqrt(colSums(A^2)))
  repeat {
    Rm <- A[, rem, drop = FALSE]; if (ncol(Q)) for (it in 1:2) Rm <- Rm - Q %*% crossprod(Q, Rm)
    nr <- sqrt(colSums(Rm^2)); o <- order(-nr)
    if (nr[o[1]] < 1e-10 * top || length(rem) < 2) break
    worst <- max(worst, nr[o[2]] / nr[o[1]])
    Q <- cbind(Q, Rm[, o[1]] / nr[o[1]]); rem <- rem[-o[1]]
  }
  worst
}
## class of a rank-deficient fit: "basis-dependent" (the drop or log det changes with the arbitrary
## basis of a >= 2-dim dense null space), "tie" (closest call ratio > 1 - 1e-9), else
## "deterministic"; with the closest-call ratio and whether the emulated drop spans mgcv's.
classify <- function(m) {
  X <- predict(m, type = "lpmatrix"); q <- ncol(X); R <- Rfac(sqrt(abs(m$working.weights)) * X)
  Zd <- drops(R, block_U1(m, q)); ld0 <- ridge_ldet(m, Zd)
  basis <- any(sapply(1:6, function(i) abs(ridge_ldet(m, drops(R, block_U1(m, q, TRUE))) - ld0) > 1e-8))
  cc <- closest_call(R, block_U1(m, q))
  list(class = if (basis) "basis-dependent" else if (cc > 1 - 1e-9) "tie" else "deterministic",
       ratio = cc, emulated_span_diff = sdist(Zd, mgcv_dropped(m)))
}
