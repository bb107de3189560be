"""Kernel of the exponential-smoothing (ETS) forecasts: recursion, estimation, intervals.

Everything works on rows of a ``rows x periods`` array (one row per series, or
per series x candidate parameters), so many series are filtered, fitted and
simulated together with numpy; the only Python loops run over time steps,
optimiser iterations and model forms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

ALPHA_BOUNDS = (0.0, 1.0)
PHI_BOUNDS = (0.8, 0.98)
# Grid start of the optimiser: coarse values a practitioner would try first.
GRID = {
    "alpha": (0.05, 0.2, 0.4, 0.6, 0.8, 0.95),
    "beta": (0.02, 0.1, 0.3),
    "gamma": (0.02, 0.1, 0.3),
    "phi": (0.85, 0.95),
}
PARAM_NAMES = ("alpha", "beta", "gamma", "phi")
#: Starting points of every fit: the grid's best, then seeded ones (see :func:`seeded_starts`).
N_STARTS = 3
START_SEED = 20261203
#: Probabilities at which simulated forecast distributions are kept.
QUANTILE_GRID = np.round(np.arange(1, 200) * 0.005, 3)


@dataclass(frozen=True)
class Spec:
    """One ETS form: error, trend (damped or not) and season, and the season length."""

    m: int
    trend: bool
    seasonal: str | None
    damped: bool
    error: str = "add"

    def free(self) -> tuple[str, ...]:
        names = ["alpha"]
        if self.trend:
            names.append("beta")
        if self.seasonal:
            names.append("gamma")
        if self.damped:
            names.append("phi")
        return tuple(names)

    def n_states(self) -> int:
        """Free initial states: level, trend, and ``m - 1`` seasonal states (one is implied)."""
        return 1 + int(self.trend) + (self.m - 1 if self.seasonal else 0)

    @property
    def form(self) -> str:
        """The ETS label, e.g. ``"ETS(M,Ad,M)"``."""
        err = "A" if self.error == "add" else "M"
        trd = ("Ad" if self.damped else "A") if self.trend else "N"
        sea = {"add": "A", "mul": "M", None: "N"}[self.seasonal]
        return f"ETS({err},{trd},{sea})"

    @property
    def variance_class(self) -> int:
        """Hyndman et al.'s class: 1 linear, 2 multiplicative error only, 3 the rest."""
        if self.seasonal == "mul":
            return 3
        return 1 if self.error == "add" else 2


@dataclass(frozen=True)
class Run:
    """What one pass of the recursion returns, per row."""

    sse: FloatArray  # sum of squared one-step errors over observed periods
    rel2: FloatArray  # sum of squared relative errors e / yhat (multiplicative error)
    logyhat: FloatArray  # sum of log yhat over observed periods (multiplicative error)
    level: FloatArray
    trend: FloatArray
    season: FloatArray
    fitted: FloatArray | None
    resid: FloatArray | None  # e (additive error) or e / yhat (multiplicative), 0 at gaps


def hw_filter(
    y: FloatArray,
    theta: FloatArray,
    level0: FloatArray,
    trend0: FloatArray,
    season0: FloatArray,
    spec: Spec,
    *,
    keep: bool = False,
    resid: bool = False,
) -> Run:
    """Run the error-correction recursion on rows of ``y`` (rows x periods).

    ``theta`` holds alpha, beta, gamma, phi per row. Sums are ``inf`` where the
    recursion broke down (overflow, or a forecast <= 0 under a multiplicative
    error).
    """
    alpha, beta, gamma, phi = theta[:, 0], theta[:, 1], theta[:, 2], theta[:, 3]
    ab = alpha * beta
    rows, n = y.shape
    m = spec.m
    level, trend, season = level0.copy(), trend0.copy(), season0.copy()
    sse = np.zeros(rows)
    rel2 = np.zeros(rows)
    logyhat = np.zeros(rows)
    broken = np.zeros(rows, dtype=bool)
    fitted = np.empty_like(y) if keep else None
    res = np.zeros_like(y) if resid else None
    mul = spec.seasonal == "mul"
    mul_err = spec.error == "mul"
    with np.errstate(all="ignore"):  # a diverging candidate is scored inf, not warned
        for t in range(n):
            j = t % m
            base = level + phi * trend if spec.trend else level
            s = season[:, j]
            yhat = base * s if mul else base + s
            err = y[:, t] - yhat
            seen = ~np.isnan(err)
            err = np.where(seen, err, 0.0)  # a gap: state follows the forecast
            sse += err * err
            if mul_err:
                rel = err / yhat
                broken |= seen & ~(yhat > 0)
                rel2 += rel * rel
                logyhat += np.where(seen, np.log(np.abs(yhat)), 0.0)
                if res is not None:
                    res[:, t] = rel
            elif res is not None:
                res[:, t] = err
            if fitted is not None:
                fitted[:, t] = yhat
            scaled = err / s if mul else err
            level = base + alpha * scaled
            if spec.trend:
                trend = phi * trend + ab * scaled
            if spec.seasonal:
                season[:, j] = s + gamma * (err / base if mul else err)
        bad = broken | ~np.isfinite(sse) | ~np.isfinite(rel2) | ~np.isfinite(logyhat)
        sse = np.where(bad, np.inf, sse)
        rel2 = np.where(bad, np.inf, rel2)
        logyhat = np.where(bad, np.inf, logyhat)
    return Run(sse, rel2, logyhat, level, trend, season, fitted, res)


def criterion(run: Run, n_obs: FloatArray | IntArray, spec: Spec) -> FloatArray:
    """What the fit minimises: the SSE (additive error) or ``n log Σε² + 2 Σ log ŷ``."""
    if spec.error == "add":
        return run.sse
    with np.errstate(all="ignore"):
        value = n_obs * np.log(np.maximum(run.rel2, 1e-300)) + 2.0 * run.logyhat
    return np.asarray(np.where(np.isfinite(value), value, np.inf), dtype=np.float64)


def heuristic_states(
    y: FloatArray, spec: Spec, n_params: int
) -> tuple[FloatArray, FloatArray, FloatArray, npt.NDArray[np.str_]]:
    """Heuristic initial states per row; ``reason`` is ``""`` where usable.

    ``n_params`` counts what the fit estimates (smoothing parameters, and
    the initial states when they are estimated): a row needs more
    observations than that.
    """
    rows, n = y.shape
    m = spec.m
    reason = np.full(rows, "", dtype=object)
    obs = ~np.isnan(y)
    n_obs = obs.sum(axis=1)
    level0 = np.zeros(rows)
    trend0 = np.zeros(rows)
    season0 = np.zeros((rows, m)) if spec.seasonal != "mul" else np.ones((rows, m))
    if spec.seasonal == "mul":
        reason[(np.where(obs, y, 1.0) <= 0).any(axis=1)] = (
            "multiplicative seasonality needs bookings > 0"
        )
    if spec.error == "mul":
        reason[(np.where(obs, y, 1.0) <= 0).any(axis=1) & (reason == "")] = (
            "a multiplicative error needs bookings > 0"
        )
    if spec.seasonal:
        if n < 2 * m:
            reason[reason == ""] = f"needs at least two seasons ({2 * m} periods), got {n}"
            return level0, trend0, season0, reason.astype(str)
        first, second = y[:, :m], y[:, m : 2 * m]
        c1n, c2n = (~np.isnan(first)).sum(axis=1), (~np.isnan(second)).sum(axis=1)
        bad = (c1n == 0) | (c2n == 0)
        reason[bad & (reason == "")] = "needs an observation in each of the first two seasons"
        c1 = np.nansum(first, axis=1) / np.maximum(c1n, 1)
        c2 = np.nansum(second, axis=1) / np.maximum(c2n, 1)
        if spec.trend:
            trend0 = (c2 - c1) / m
        # The first season's mean sits at time (m + 1) / 2 on the trend line.
        level0 = c1 - trend0 * (m + 1) / 2
        line = level0[:, None] + trend0[:, None] * np.arange(1, 2 * m + 1)[None, :]
        two = y[:, : 2 * m]
        with np.errstate(all="ignore"):
            dev = two / line if spec.seasonal == "mul" else two - line
        dev = dev.reshape(rows, 2, m)
        dcount = (~np.isnan(dev)).sum(axis=1)
        neutral = 1.0 if spec.seasonal == "mul" else 0.0
        with np.errstate(all="ignore"):
            season0 = np.where(dcount > 0, np.nansum(dev, axis=1) / np.maximum(dcount, 1), neutral)
            if spec.seasonal == "mul":
                season0 = season0 / season0.mean(axis=1, keepdims=True)
            else:
                season0 = season0 - season0.mean(axis=1, keepdims=True)
        broken = ~np.isfinite(season0).all(axis=1) | (
            (season0 <= 0).any(axis=1) if spec.seasonal == "mul" else False
        )
        reason[broken & (reason == "")] = "cannot initialise the seasonal states"
        season0 = np.where(np.isfinite(season0), season0, neutral)
    else:
        need = 2 if spec.trend else 1
        short = n_obs < need
        reason[short & (reason == "")] = f"needs at least {need} observations"
        # First and second observed positions per row (argmax of cumulative counts).
        csum = np.cumsum(obs, axis=1)
        t1 = np.argmax(csum >= 1, axis=1)
        t2 = np.argmax(csum >= 2, axis=1)
        ridx = np.arange(rows)
        y1 = np.where(short, 0.0, y[ridx, t1])
        if spec.trend:
            y2 = np.where(short, 0.0, y[ridx, t2])
            trend0 = np.where(short, 0.0, (y2 - y1) / np.maximum(t2 - t1, 1))
        # The line through the first two observations, evaluated before period 0.
        level0 = y1 - trend0 * (t1 + 1)
    few = n_obs <= n_params
    reason[few & (reason == "")] = f"needs more than {n_params} observations to estimate the error"
    return level0, trend0, season0, reason.astype(str)


def _gamma_room(theta: FloatArray, free: tuple[str, ...]) -> None:
    """Scale a free gamma from its box coordinate into ``[0, 1 - alpha]`` in place.

    The usual region of Hyndman et al. (and statsmodels' bounds): a free
    ``gamma`` is the share ``u`` of the room ``1 - alpha`` left by the level.
    """
    if "gamma" in free:
        theta[:, 2] = theta[:, 2] * (1.0 - theta[:, 0])


def to_theta(x: FloatArray, free: tuple[str, ...], fixed: dict[str, float]) -> FloatArray:
    """Map unconstrained ``x`` (rows x free) to alpha, beta, gamma, phi (rows x 4)."""
    theta = np.empty((x.shape[0], 4))
    defaults = {"alpha": 0.5, "beta": 0.0, "gamma": 0.0, "phi": 1.0}
    col = 0
    for k, name in enumerate(PARAM_NAMES):
        if name in free:
            lo, hi = PHI_BOUNDS if name == "phi" else ALPHA_BOUNDS
            # Clipped: beyond ±50 the logistic is flat to double precision anyway.
            theta[:, k] = lo + (hi - lo) / (1.0 + np.exp(-np.clip(x[:, col], -50.0, 50.0)))
            col += 1
        else:
            theta[:, k] = fixed.get(name, defaults[name])
    _gamma_room(theta, free)
    return theta


def to_box(theta: FloatArray, free: tuple[str, ...]) -> FloatArray:
    """Box coordinates (rows x free) of ``theta``: inverse of :func:`raw_theta`."""
    cols = []
    for name in free:
        value = theta[:, PARAM_NAMES.index(name)]
        if name == "gamma":
            room = 1.0 - theta[:, 0]
            with np.errstate(all="ignore"):
                value = np.where(room > 0, value / np.where(room > 0, room, 1.0), 0.0)
        cols.append(value)
    return np.column_stack(cols) if cols else np.zeros((theta.shape[0], 0))


def logit(theta: FloatArray, name: str) -> FloatArray:
    """Inverse of :func:`to_theta` for one box coordinate."""
    lo, hi = PHI_BOUNDS if name == "phi" else ALPHA_BOUNDS
    u = (np.clip(theta, lo, hi) - lo) / (hi - lo)
    u = np.clip(u, 1e-9, 1 - 1e-9)
    return np.asarray(np.log(u / (1 - u)), dtype=np.float64)


#: The first extra starts: little smoothing (optima often sit near a bound), then middling.
FIXED_STARTS = (
    {"alpha": 0.2, "beta": 0.0, "gamma": 0.0, "phi": 0.98},
    {"alpha": 0.5, "beta": 0.1, "gamma": 0.1, "phi": 0.9},
)


def seeded_starts(free: tuple[str, ...], count: int) -> FloatArray:
    """``count`` extra starting points (count x free, logit scale), the same for every series.

    First :data:`FIXED_STARTS`, then draws from
    ``numpy.random.default_rng(START_SEED)`` (alpha in [0.05, 0.6], beta and
    the gamma share in [0.01, 0.4], phi in [0.82, 0.97]), so a series gets
    the same fit alone or in a frame.
    """
    rng = np.random.default_rng(START_SEED)
    ranges = {"alpha": (0.05, 0.6), "beta": (0.01, 0.4), "gamma": (0.01, 0.4), "phi": (0.82, 0.97)}
    draws = rng.uniform(size=(max(0, count - len(FIXED_STARTS)), len(PARAM_NAMES)))
    cols = []
    for name in free:
        lo, hi = ranges[name]
        fixed = [start[name] for start in FIXED_STARTS][:count]
        values = np.concatenate([fixed, lo + (hi - lo) * draws[:, PARAM_NAMES.index(name)]])
        cols.append(logit(values, name))
    return np.column_stack(cols) if cols else np.zeros((count, 0))


Objective = Callable[[FloatArray, IntArray], FloatArray]


def nelder_mead(
    f: Objective,
    x0: FloatArray,
    *,
    step: float = 0.5,
    xatol: float = 1e-4,
    fatol: float = 1e-9,
    max_iter: int = 400,
) -> FloatArray:
    """Minimise ``f`` independently for every row, all rows in lock-step.

    ``f(points, rows)`` scores points (p x k) belonging to problem ``rows``.
    Standard coefficients (reflect 1, expand 2, contract ½, shrink ½); a row
    stops when its simplex is within ``xatol`` in every coordinate and its
    values within ``fatol`` relative to the best.
    """
    rows, k = x0.shape
    simplex = np.repeat(x0[:, None, :], k + 1, axis=1)
    simplex[:, 1:, :] += step * np.eye(k)[None, :, :]
    all_rows = np.arange(rows)
    fs = f(simplex.reshape(-1, k), np.repeat(all_rows, k + 1)).reshape(rows, k + 1)
    active = all_rows.copy()
    for _ in range(max_iter):
        s, fv = simplex[active], fs[active]
        order = np.argsort(fv, axis=1, kind="stable")
        s = np.take_along_axis(s, order[:, :, None], axis=1)
        fv = np.take_along_axis(fv, order, axis=1)
        spread_x = np.max(np.abs(s[:, 1:] - s[:, :1]), axis=(1, 2))
        with np.errstate(invalid="ignore"):  # inf - inf: a row that cannot move is done
            spread_f = np.max(np.abs(fv[:, 1:] - fv[:, :1]), axis=1)
        done = (spread_x <= xatol) & (spread_f <= fatol * (1.0 + np.abs(fv[:, 0])))
        done |= ~np.isfinite(fv[:, 0])
        simplex[active], fs[active] = s, fv
        active, s, fv = active[~done], s[~done], fv[~done]
        if len(active) == 0:
            break
        a = len(active)
        centroid = s[:, :-1].mean(axis=1)
        direction = centroid - s[:, -1]
        trial = np.stack(
            [
                centroid + direction,
                centroid + 2 * direction,
                centroid + 0.5 * direction,
                centroid - 0.5 * direction,
            ],
            axis=1,
        )
        ft = f(trial.reshape(-1, k), np.repeat(active, 4)).reshape(a, 4)
        fr, fe, foc, fic = ft[:, 0], ft[:, 1], ft[:, 2], ft[:, 3]
        best, second, worst = fv[:, 0], fv[:, -2], fv[:, -1]
        choice = np.full(a, -1)  # index into trial, or -1 to shrink
        expand = fr < best
        choice[expand] = np.where(fe[expand] < fr[expand], 1, 0)
        reflect = ~expand & (fr < second)
        choice[reflect] = 0
        outside = ~expand & ~reflect & (fr < worst)
        choice[outside & (foc <= fr)] = 2
        inside = ~expand & ~reflect & ~outside
        choice[inside & (fic < worst)] = 3
        take = choice >= 0
        ti = np.nonzero(take)[0]
        s[ti, -1] = trial[ti, choice[ti]]
        fv[ti, -1] = ft[ti, choice[ti]]
        si = np.nonzero(~take)[0]
        if len(si):
            shrunk = s[si, :1] + 0.5 * (s[si, 1:] - s[si, :1])
            s[si, 1:] = shrunk
            fv[si, 1:] = f(shrunk.reshape(-1, k), np.repeat(active[si], k)).reshape(len(si), k)
        simplex[active], fs[active] = s, fv
    best_idx = np.argmin(fs, axis=1)
    return np.asarray(simplex[all_rows, best_idx], dtype=np.float64)


Residuals = Callable[[FloatArray, IntArray], FloatArray]


def levenberg_marquardt(
    r: Residuals,
    z0: FloatArray,
    *,
    lower: FloatArray | None = None,
    upper: FloatArray | None = None,
    max_iter: int = 100,
    ftol: float = 1e-10,
) -> FloatArray:
    """Minimise ``Σ r(z)²`` independently for every row, all rows in lock-step.

    ``r(points, rows)`` returns the residual vectors (p x n) of points (p x k)
    belonging to problem ``rows`` (``inf`` where a point is infeasible). The
    Jacobian is taken by forward differences; each iteration tries three
    damping values (λ/10, λ, 10λ, scaled by the diagonal of JᵀJ) and keeps
    the best trial only if it lowers the sum, so the result is never worse
    than ``z0``. Trials are clipped into ``[lower, upper]`` (a projected
    step), and a coordinate on its upper bound is differenced backwards; a
    coordinate on a bound that the descent direction pushes outwards is held
    for that iteration. A row stops when a step lowers its sum by less than
    ``ftol`` relative, or when no damping helps.
    """
    rows, k = z0.shape
    lo = np.full(k, -np.inf) if lower is None else lower
    hi = np.full(k, np.inf) if upper is None else upper
    all_rows = np.arange(rows)
    z = np.clip(z0, lo, hi)
    res = r(z, all_rows)
    f = np.sum(res * res, axis=1)
    lam = np.full(rows, 1e-2)
    active = all_rows[np.isfinite(f)]
    eye = np.eye(k)
    factors = np.array([0.1, 1.0, 10.0])
    for _ in range(max_iter):
        if len(active) == 0:
            break
        a = len(active)
        za, ra, fa = z[active], res[active], f[active]
        h = 1e-7 * (1.0 + np.abs(za))
        h = np.where(za + h > hi, -h, h)
        pts = za[:, None, :] + h[:, :, None] * eye[None, :, :]
        rp = r(pts.reshape(-1, k), np.repeat(active, k)).reshape(a, k, -1)
        with np.errstate(all="ignore"):
            jac = (rp - ra[:, None, :]) / h[:, :, None]  # a x k x n
            jac = np.where(np.isfinite(jac), jac, 0.0)
            grad = np.einsum("akn,an->ak", jac, ra)
            # A coordinate on a bound that the descent direction pushes out of the box is held.
            held = ((za <= lo) & (grad > 0)) | ((za >= hi) & (grad < 0))
            jac = np.where(held[:, :, None], 0.0, jac)
            grad = np.where(held, 0.0, grad)
            jtj = jac @ jac.transpose(0, 2, 1)
        diag = np.maximum(np.einsum("akk->ak", jtj), 1e-12)
        lams = lam[active][:, None] * factors[None, :]  # a x 3
        systems = jtj[:, None, :, :] + (lams[:, :, None, None] * diag[:, None, :, None]) * eye
        systems = systems + 1e-12 * eye
        try:
            steps = np.linalg.solve(systems, -grad[:, None, :, None])[..., 0]  # a x 3 x k
        except np.linalg.LinAlgError:  # pragma: no cover - the ridge keeps systems regular
            steps = np.zeros((a, 3, k))
        cand = np.clip(za[:, None, :] + steps, lo, hi)
        rc = r(cand.reshape(-1, k), np.repeat(active, 3)).reshape(a, 3, -1)
        with np.errstate(all="ignore"):
            fc = np.sum(rc * rc, axis=2)
        fc = np.where(np.isfinite(fc), fc, np.inf)
        pick = np.argmin(fc, axis=1)
        ai = np.arange(a)
        fbest = fc[ai, pick]
        better = fbest < fa
        idx = active[better]
        z[idx] = cand[ai[better], pick[better]]
        res[idx] = rc[ai[better], pick[better]]
        f[idx] = fbest[better]
        lam[active] = np.where(better, lams[ai, pick], lam[active] * 100.0)
        small = better & ((fa - fbest) <= ftol * (fa + 1e-300))
        stuck = ~better & (lam[active] > 1e8)
        active = active[~(small | stuck)]
    return z


def pack_states(
    level0: FloatArray, trend0: FloatArray, season0: FloatArray, spec: Spec
) -> FloatArray:
    """Initial states as free coordinates: level, trend, the first ``m - 1`` seasonal states."""
    cols = [level0[:, None]]
    if spec.trend:
        cols.append(trend0[:, None])
    if spec.seasonal:
        cols.append(season0[:, : spec.m - 1])
    return np.concatenate(cols, axis=1)


def unpack_states(x: FloatArray, spec: Spec) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Inverse of :func:`pack_states`: the last seasonal state keeps the sum 0 (or mean 1)."""
    rows = x.shape[0]
    level0 = x[:, 0].copy()
    col = 1
    trend0 = np.zeros(rows)
    if spec.trend:
        trend0 = x[:, 1].copy()
        col = 2
    if spec.seasonal:
        head = x[:, col : col + spec.m - 1]
        total = 0.0 if spec.seasonal == "add" else float(spec.m)
        season0 = np.concatenate([head, (total - head.sum(axis=1))[:, None]], axis=1)
    else:
        season0 = np.zeros((rows, 1))
    return level0, trend0, season0


def fit(
    y: FloatArray,
    spec: Spec,
    fixed: dict[str, float],
    horizon: int,
    *,
    estimated: bool,
    level: float,
    seed: int,
    n_sims: int,
    n_starts: int = N_STARTS,
    uncertainty: bool = True,
) -> dict[str, Any]:
    """Fit every usable row of ``y`` and forecast ``horizon`` steps.

    Arrays in the result cover all rows; rows that could not be fitted
    (``reason != ""``) hold ``NaN``. Every row is fitted from ``n_starts``
    starting points: the best of the grid (the heuristic start), then the
    fixed :func:`seeded_starts`; the start with the lowest criterion is kept,
    a tie going to the heuristic one, so more starts are never worse. With
    ``uncertainty`` the intervals add the estimation error of the parameters
    and initial states (see :func:`estimation_spread`).
    """
    rows, n = y.shape
    free = tuple(p for p in spec.free() if p not in fixed)
    n_states = spec.n_states() if estimated else 0
    n_params = len(free) + n_states
    level0, trend0, season0, reason = heuristic_states(y, spec, n_params)
    good = np.nonzero(reason == "")[0]
    yg, l0, b0, s0 = y[good], level0[good], trend0[good], season0[good]
    n_obs = (~np.isnan(yg)).sum(axis=1)

    g = len(good)
    starts = max(1, n_starts) if free else 1
    rep = np.repeat(np.arange(g), starts)  # row i's starts are rows i*starts .. of the batch
    yr, l0r, b0r, s0r, nr = yg[rep], l0[rep], b0[rep], s0[rep], n_obs[rep]

    def score(points: FloatArray, rows_: IntArray) -> FloatArray:
        theta = to_theta(points, free, fixed)
        run = hw_filter(yr[rows_], theta, l0r[rows_], b0r[rows_], s0r[rows_], spec)
        return criterion(run, nr[rows_], spec)

    x = np.zeros((g * starts, len(free)))
    if free and g:
        grid = np.array(np.meshgrid(*[GRID[p] for p in free], indexing="ij"))
        grid = grid.reshape(len(free), -1).T
        candidates = np.column_stack([logit(grid[:, i], p) for i, p in enumerate(free)])
        c = len(candidates)
        cand_rows = np.repeat(np.arange(g) * starts, c)
        scores = score(np.tile(candidates, (g, 1)), cand_rows).reshape(g, c)
        x0 = np.empty((g, starts, len(free)))
        x0[:, 0] = candidates[np.argmin(scores, axis=1)]
        x0[:, 1:] = seeded_starts(free, starts - 1)[None, :, :]
        x = x0.reshape(g * starts, len(free))
        if estimated:
            # Seeded starts go straight to the joint refinement: Nelder-Mead with the
            # heuristic states would pull them towards parameters that repair those states.
            head = np.arange(g) * starts
            sub_x = x[head]

            def head_score(points: FloatArray, rows_: IntArray) -> FloatArray:
                return score(points, head[rows_])

            x[head] = nelder_mead(head_score, sub_x)
        else:
            x = nelder_mead(score, x)
    theta = to_theta(x, free, fixed)
    if estimated and g:
        theta, l0r, b0r, s0r = _estimate_states(yr, theta, l0r, b0r, s0r, spec, free, fixed, nr)
    if starts > 1:
        # The best start per row; a tie keeps the heuristic start (the first).
        crit_r = criterion(hw_filter(yr, theta, l0r, b0r, s0r, spec), nr, spec)
        pick = np.arange(g) * starts + np.argmin(crit_r.reshape(g, starts), axis=1)
        theta, l0r, b0r, s0r = theta[pick], l0r[pick], b0r[pick], s0r[pick]
    l0, b0, s0 = l0r, b0r, s0r
    run = hw_filter(yg, theta, l0, b0, s0, spec, keep=True)
    crit = criterion(run, n_obs, spec)
    dof = n_obs - n_params
    sigma2 = (run.sse if spec.error == "add" else run.rel2) / dof
    k = n_params + 1  # ... and the error variance
    with np.errstate(all="ignore"):
        if spec.error == "add":
            loglik = -0.5 * n_obs * (np.log(2 * np.pi * run.sse / n_obs) + 1.0)
        else:
            loglik = -0.5 * n_obs * (np.log(2 * np.pi * run.rel2 / n_obs) + 1.0) - run.logyhat
        aic = -2.0 * loglik + 2.0 * k
        aicc = np.where(n_obs - k - 1 > 0, aic + 2.0 * k * (k + 1) / (n_obs - k - 1), np.inf)
    aicc = np.where(np.isfinite(aicc), aicc, np.inf)
    spread = None
    if uncertainty and g:
        spread = estimation_spread(
            yg, theta, l0, b0, s0, spec, free, fixed, sigma2, horizon, estimated
        )
    point, std, quant, lower, upper = predict(
        theta, run, spec, horizon, n, sigma2, level=level, seed=seed, n_sims=n_sims, spread=spread
    )

    def full(values: FloatArray) -> FloatArray:
        out = np.full((rows, *values.shape[1:]), np.nan)
        out[good] = values
        return out

    assert run.fitted is not None  # keep=True
    return {
        "good": good,
        "reason": reason,
        "theta": full(theta),
        "sse": full(run.sse),
        "criterion": full(crit),
        "sigma2": full(sigma2),
        "aicc": np.where(reason == "", full(aicc), np.inf),
        "n_obs": full(n_obs.astype(np.float64)),
        "level0": full(l0),
        "trend0": full(b0),
        "season0": full(s0),
        "level": full(run.level),
        "trend": full(run.trend),
        "season": full(run.season),
        "fitted": full(run.fitted),
        "point": full(point),
        "std": full(std),
        "lower": full(lower),
        "upper": full(upper),
        "quantiles": None if quant is None else full(quant),
    }


def raw_theta(x: FloatArray, free: tuple[str, ...], fixed: dict[str, float]) -> FloatArray:
    """Parameters from box coordinates (rows x free), clipped into their bounds (rows x 4)."""
    theta = np.empty((x.shape[0], 4))
    defaults = {"alpha": 0.5, "beta": 0.0, "gamma": 0.0, "phi": 1.0}
    col = 0
    for k, name in enumerate(PARAM_NAMES):
        if name in free:
            lo, hi = PHI_BOUNDS if name == "phi" else ALPHA_BOUNDS
            theta[:, k] = np.clip(x[:, col], lo, hi)
            col += 1
        else:
            theta[:, k] = fixed.get(name, defaults[name])
    _gamma_room(theta, free)
    return theta


def _estimate_states(
    y: FloatArray,
    theta: FloatArray,
    l0: FloatArray,
    b0: FloatArray,
    s0: FloatArray,
    spec: Spec,
    free: tuple[str, ...],
    fixed: dict[str, float],
    n_obs: IntArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Refine parameters and initial states jointly from the heuristic fit.

    Projected Levenberg-Marquardt on ``(parameters, states)`` (each trial
    clipped into the parameter bounds), then Nelder-Mead on the parameters
    with the states held, then Levenberg-Marquardt once more. The series are
    scaled by their mean absolute value so every coordinate is of order one.
    The result is kept per row only where it lowers the criterion.
    """
    scale = np.nanmean(np.abs(y), axis=1)
    scale = np.where(scale > 0, scale, 1.0)
    ys = y / scale[:, None]
    state_scale = np.ones(spec.n_states())
    if spec.seasonal == "mul":
        state_scale[1 + int(spec.trend) :] = 0.0  # factors are unit-free
    sc = scale[:, None] ** state_scale[None, :]  # rows x states: scale or 1
    packed = pack_states(l0, b0, s0, spec) / sc
    p = len(free)
    bounds = [PHI_BOUNDS if name == "phi" else ALPHA_BOUNDS for name in free]
    lower = np.array([b[0] for b in bounds] + [-np.inf] * spec.n_states())
    upper = np.array([b[1] for b in bounds] + [np.inf] * spec.n_states())

    def residuals(points: FloatArray, rows_: IntArray) -> FloatArray:
        th = raw_theta(points[:, :p], free, fixed)
        lev, trd, sea = unpack_states(points[:, p:], spec)
        run = hw_filter(ys[rows_], th, lev, trd, sea, spec, resid=True)
        assert run.resid is not None
        res = run.resid
        if spec.error == "mul":
            # n log Σε² + 2 Σ log ŷ = n log Σ (ε G)² with G the geometric mean of ŷ.
            with np.errstate(all="ignore"):
                geo = np.exp(run.logyhat / n_obs[rows_])
                res = res * geo[:, None]
        bad = (sea <= 0).any(axis=1) if spec.seasonal == "mul" else np.zeros(len(rows_), bool)
        bad |= ~np.isfinite(run.sse) | ~np.isfinite(run.rel2)
        return np.where(bad[:, None], np.inf, res)

    box = to_box(theta, free)

    def state_residuals(points: FloatArray, rows_: IntArray) -> FloatArray:
        return residuals(np.concatenate([box[rows_], points], axis=1), rows_)

    # States first with the parameters held: from the heuristic states a joint step
    # would first bend the parameters (gamma above all) to repair those states.
    packed = levenberg_marquardt(state_residuals, packed, lower=lower[p:], upper=upper[p:])
    z0 = np.concatenate([box, packed], axis=1)
    z = levenberg_marquardt(residuals, z0, lower=lower, upper=upper)
    if p:
        zs = z[:, p:]

        def score(points: FloatArray, rows_: IntArray) -> FloatArray:
            res = residuals(np.concatenate([points, zs[rows_]], axis=1), rows_)
            with np.errstate(invalid="ignore"):
                return np.asarray(np.sum(res * res, axis=1), dtype=np.float64)

        polished = nelder_mead(score, z[:, :p], step=0.05, xatol=1e-7, fatol=1e-13)
        z[:, :p] = np.clip(polished, lower[:p], upper[:p])
        z = levenberg_marquardt(residuals, z, lower=lower, upper=upper)
    tz = raw_theta(z[:, :p], free, fixed)
    lev, trd, sea = unpack_states(z[:, p:], spec)
    if spec.seasonal == "mul":
        lev, trd = lev * scale, trd * scale
    else:
        lev, trd, sea = lev * scale, trd * scale, sea * scale[:, None]
    # Keep a row's refinement only where it is no worse on the original scale.
    before = criterion(hw_filter(y, theta, l0, b0, s0, spec), n_obs, spec)
    after = criterion(hw_filter(y, tz, lev, trd, sea, spec), n_obs, spec)
    keep = after < before
    pick = keep[:, None]
    return (
        np.where(pick, tz, theta),
        np.where(keep, lev, l0),
        np.where(keep, trd, b0),
        np.where(pick, sea, s0),
    )


def _point(
    theta: FloatArray, run: Run, spec: Spec, horizon: int, n: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Point forecasts, the summed damping ``φ_h`` and the seasonal state per step."""
    phi = theta[:, 3:4]
    steps = np.arange(1, horizon + 1)
    if spec.trend:
        cum = np.cumsum(phi ** steps[None, :], axis=1)  # phi + ... + phi^h (h undamped)
    else:
        cum = np.zeros((theta.shape[0], horizon))
    base = run.level[:, None] + cum * run.trend[:, None]
    s_h = run.season[:, (n + steps - 1) % spec.m]
    point = base * s_h if spec.seasonal == "mul" else base + s_h
    return point, cum, s_h


def predict(
    theta: FloatArray,
    run: Run,
    spec: Spec,
    horizon: int,
    n: int,
    sigma2: FloatArray,
    *,
    level: float,
    seed: int,
    n_sims: int,
    spread: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray | None, FloatArray, FloatArray]:
    """Point forecasts, error std, simulated quantiles (class 3) and interval bounds.

    ``spread`` is ``(grad, cov)`` of :func:`estimation_spread`: the variance
    ``gᵀ Σ g`` of the point forecast is added to the analytic variance, or a
    Gaussian shift of that covariance to every simulated path.
    """
    point, cum, _ = _point(theta, run, spec, horizon, n)
    rows = theta.shape[0]
    z = NormalDist().inv_cdf((1.0 + level) / 2.0)
    extra = np.zeros((rows, horizon))
    if spread is not None:
        grad, cov = spread
        extra = np.einsum("rkh,rkl,rlh->rh", grad, cov, grad)
    if spec.variance_class == 3:
        sims = simulate(theta, run, spec, horizon, n, sigma2, seed=seed, n_sims=n_sims)
        if spread is not None:
            grad, cov = spread
            w, v = np.linalg.eigh(cov)
            root = v * np.sqrt(np.maximum(w, 0.0))[:, None, :]  # cov = root rootᵀ
            xi = np.random.default_rng(seed + 1).standard_normal((n_sims, cov.shape[1]))
            # path shift = gᵀ root ξ: rows x sims x horizon
            sims = sims + np.einsum("sj,rkj,rkh->rsh", xi, root, grad)
        std = np.std(sims, axis=1, ddof=1) if n_sims > 1 else np.zeros((rows, horizon))
        quant = np.moveaxis(np.quantile(sims, QUANTILE_GRID, axis=1), 0, -1)  # rows x h x q
        bounds = np.quantile(sims, [(1.0 - level) / 2.0, (1.0 + level) / 2.0], axis=1)
        return point, std, quant, bounds[0], bounds[1]
    # c_j: effect on step h of a unit innovation j steps earlier (Hyndman et al. 2008, ch. 6).
    alpha, beta, gamma = theta[:, 0:1], theta[:, 1:2], theta[:, 2:3]
    lags = np.arange(1, horizon)
    c = np.repeat(alpha, max(horizon - 1, 0), axis=1)  # rows x (h - 1), lag j = 1 .. h-1
    if spec.trend:
        c = c + alpha * beta * cum[:, : horizon - 1]
    if spec.seasonal:
        c = c + np.where((lags % spec.m == 0)[None, :], gamma, 0.0)
    if spec.variance_class == 1:
        csum = np.concatenate([np.zeros((rows, 1)), np.cumsum(c * c, axis=1)], axis=1)
        var = sigma2[:, None] * (1.0 + csum)
    else:
        # Class 2: theta_h = mu_h² + σ² Σ_{j<h} c_j² theta_{h-j}; v_h = (1 + σ²) theta_h - mu_h².
        th = np.empty((rows, horizon))
        s2 = sigma2[:, None]
        for h in range(horizon):
            acc = point[:, h] ** 2
            if h:
                acc = acc + s2[:, 0] * np.sum(c[:, :h] ** 2 * th[:, h - 1 :: -1][:, :h], axis=1)
            th[:, h] = acc
        var = (1.0 + s2) * th - point**2
    std = np.sqrt(np.maximum(var + extra, 0.0))
    return point, std, None, point - z * std, point + z * std


def estimation_spread(
    y: FloatArray,
    theta: FloatArray,
    l0: FloatArray,
    b0: FloatArray,
    s0: FloatArray,
    spec: Spec,
    free: tuple[str, ...],
    fixed: dict[str, float],
    sigma2: FloatArray,
    horizon: int,
    estimated: bool,
) -> tuple[FloatArray, FloatArray]:
    """Linearised estimation error of the point forecasts (the delta method).

    The estimated coordinates ``z`` are the free parameters (as box
    coordinates; one on its bound is held) and, when estimated, the initial
    states. By forward differences (``k + 1`` runs of the recursion) come the
    Jacobian ``J`` of the one-step errors (relative errors for a
    multiplicative error) and the gradient ``g_h`` of each point forecast;
    ``Σ = σ² (JᵀJ)⁺`` is the Gauss-Newton covariance of ``z``. Returns
    ``(g, Σ)`` as rows x k x horizon and rows x k x k; the forecast variance
    from estimation is ``g_hᵀ Σ g_h``.
    """
    rows, n = y.shape
    p = len(free)
    z = to_box(theta, free)
    if estimated:
        z = np.concatenate([z, pack_states(l0, b0, s0, spec)], axis=1)
    k = z.shape[1]
    if k == 0:
        return np.zeros((rows, 0, horizon)), np.zeros((rows, 0, 0))
    bounds = [PHI_BOUNDS if name == "phi" else ALPHA_BOUNDS for name in free]
    lo = np.array([b[0] for b in bounds] + [-np.inf] * (k - p))
    hi = np.array([b[1] for b in bounds] + [np.inf] * (k - p))
    held = (z <= lo + 1e-6) | (z >= hi - 1e-6)
    h = 1e-6 * (1.0 + np.abs(z))
    h = np.where(z + h > hi, -h, h)
    pts = np.concatenate([z[:, None, :], z[:, None, :] + h[:, :, None] * np.eye(k)], axis=1)
    pts = pts.reshape(rows * (k + 1), k)
    idx = np.repeat(np.arange(rows), k + 1)
    th = raw_theta(pts[:, :p], free, fixed)
    if estimated:
        lev, trd, sea = unpack_states(pts[:, p:], spec)
    else:
        lev, trd, sea = l0[idx], b0[idx], s0[idx]
    run = hw_filter(y[idx], th, lev, trd, sea.copy(), spec, resid=True)
    assert run.resid is not None
    point, _, _ = _point(th, run, spec, horizon, n)
    res = run.resid.reshape(rows, k + 1, n)
    point = point.reshape(rows, k + 1, horizon)
    with np.errstate(all="ignore"):
        jac = (res[:, 1:] - res[:, :1]) / h[:, :, None]
        grad = (point[:, 1:] - point[:, :1]) / h[:, :, None]
    keep = ~held[:, :, None] & np.isfinite(jac).all(axis=2, keepdims=True)
    keep &= np.isfinite(grad).all(axis=2, keepdims=True)
    jac = np.where(keep, jac, 0.0)
    grad = np.where(keep, grad, 0.0)
    info = jac @ jac.transpose(0, 2, 1)
    cov = sigma2[:, None, None] * np.linalg.pinv(info, hermitian=True)
    return np.asarray(grad, dtype=np.float64), np.asarray(cov, dtype=np.float64)


def simulate(
    theta: FloatArray,
    run: Run,
    spec: Spec,
    horizon: int,
    n: int,
    sigma2: FloatArray,
    *,
    seed: int,
    n_sims: int,
) -> FloatArray:
    """Future sample paths (rows x sims x horizon) with Gaussian innovations.

    The standard-normal draws come from ``numpy.random.default_rng(seed)``
    and are the same for every row, so a series gets the same paths alone or
    in a frame.
    """
    rows = theta.shape[0]
    noise = np.random.default_rng(seed).standard_normal((n_sims, horizon))
    out = np.empty((rows, n_sims, horizon))
    m = spec.m
    chunk = max(1, 2_000_000 // max(1, n_sims * m))
    mul = spec.seasonal == "mul"
    for lo in range(0, rows, chunk):
        sl = slice(lo, min(rows, lo + chunk))
        alpha, beta, gamma, phi = (theta[sl, i : i + 1] for i in range(4))
        sigma = np.sqrt(sigma2[sl])[:, None]
        level = np.repeat(run.level[sl, None], n_sims, axis=1)
        trend = np.repeat(run.trend[sl, None], n_sims, axis=1)
        season = np.repeat(run.season[sl, None, :], n_sims, axis=1)
        with np.errstate(all="ignore"):
            for h in range(horizon):
                j = (n + h) % m
                base = level + phi * trend if spec.trend else level
                s = season[:, :, j]
                yhat = base * s if mul else base + s
                eps = sigma * noise[None, :, h]
                err = yhat * eps if spec.error == "mul" else eps
                out[sl, :, h] = yhat + err
                scaled = err / s if mul else err
                level = base + alpha * scaled
                if spec.trend:
                    trend = phi * trend + alpha * beta * scaled
                # Only a multiplicative season is simulated (variance class 3).
                season[:, :, j] = s + gamma * err / base
    return out


def candidate_specs(m: int, n: int, positive: bool) -> list[Spec]:
    """The ETS forms AutoETS compares, simplest first.

    Additive error with a multiplicative season is left out (as R's ``ets``
    and statsforecast's ``AutoETS`` do: its variance can be infinite);
    multiplicative forms need positive data and seasonal forms two seasons.
    """
    specs = []
    errors = ("add", "mul") if positive else ("add",)
    seasons: tuple[str | None, ...] = (None,)
    if m >= 2 and n >= 2 * m:
        seasons = (None, "add", "mul") if positive else (None, "add")
    for error in errors:
        for seasonal in seasons:
            if error == "add" and seasonal == "mul":
                continue
            for trend, damped in ((False, False), (True, False), (True, True)):
                specs.append(Spec(m if seasonal else 1, trend, seasonal, damped, error))
    return specs
