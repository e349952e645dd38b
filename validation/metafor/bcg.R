# Regenerate the metafor column of bcg_reference.csv (needs R >= 4.1 and metafor >= 4.0).
# Rscript validation/metafor/bcg.R
library(metafor)
dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
show <- function(label, res, pi = TRUE) {
  p <- predict(res)
  cat(sprintf("%-10s est=%.4f se=%.4f ci=(%.4f, %.4f) tau2=%.4f I2=%.4f H2=%.4f Q=%.4f",
              label, coef(res), res$se, res$ci.lb, res$ci.ub, res$tau2, res$I2, res$H2, res$QE))
  if (pi) cat(sprintf(" expPI=(%.4f, %.4f)", exp(p$pi.lb), exp(p$pi.ub)))
  cat("\n")
}
show("FE", rma(yi, vi, data = dat, method = "FE"))
show("DL", rma(yi, vi, data = dat, method = "DL"))
show("REML", rma(yi, vi, data = dat))
show("REML+knha", rma(yi, vi, data = dat, test = "knha"))
show("PM", rma(yi, vi, data = dat, method = "PM"))
show("ML", rma(yi, vi, data = dat, method = "ML"))
print(rma.mh(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg))
print(rma.peto(ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg))
for (m in c("OR", "RD")) {
  d2 <- escalc(measure = m, ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
  show(paste("FE", m), rma(yi, vi, data = d2, method = "FE"), pi = FALSE)
  show(paste("DL", m), rma(yi, vi, data = d2, method = "DL"), pi = FALSE)
}
print(round(cumul(rma(yi, vi, data = dat), order = dat$year)$estimate, 6))
print(regtest(rma(yi, vi, data = dat, test = "knha")))
print(rma(yi, vi, mods = ~ ablat, data = dat, test = "knha"))
