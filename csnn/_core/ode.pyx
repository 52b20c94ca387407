# cython: language_level=3
"""The integrator of ode.pxd on linear systems y' = A y + b, from Python: its steps, dense
output and threshold search as a model's trajectory takes them, for tests and for looking at
how the error control behaves (the neuron models use ode.pxd directly)."""
import numpy as np


cdef struct _Linear:
    int n
    double a[ODE_MAX][ODE_MAX]
    double b[ODE_MAX]


cdef void _linear_nodes(void* model, double t0, double h, double* aux) noexcept nogil:
    pass


cdef void _linear_rhs(const void* model, const double* aux, int i, const double* y, double* f) noexcept nogil:
    cdef const _Linear* m = <const _Linear*> model
    cdef int r, c
    for r in range(m.n):
        f[r] = m.b[r]
        for c in range(m.n):
            f[r] += m.a[r][c] * y[c]


cdef class LinearTrajectory:
    """y' = A y + b (A an n x n array, n <= 4) from y(0) = y0, stepped by ode.pxd as a model's
    trajectory is: each step's error within ``atol`` (one value per component, or one for all),
    the first step trying h0 (ms)."""
    cdef _Linear m
    cdef OdeClock clock
    cdef double y[ODE_MAX]
    cdef double dense[ODE_DENSE * ODE_MAX]
    cdef double atol[ODE_MAX]
    cdef double h0
    cdef object start

    def __init__(self, a, b, y0, atol, double h0=0.1):
        a = np.atleast_2d(np.asarray(a, dtype=float))
        n = a.shape[0]
        if a.shape != (n, n) or not 1 <= n <= ODE_MAX:
            raise ValueError(f"LinearTrajectory: A must be square with 1 to {ODE_MAX} rows, got shape {a.shape}")
        self.m.n = n
        b = np.broadcast_to(np.asarray(b, float), (n,))
        tolerance = np.broadcast_to(np.asarray(atol, float), (n,))
        for r in range(n):
            self.m.b[r] = b[r]
            self.atol[r] = tolerance[r]
            for c in range(n):
                self.m.a[r][c] = a[r, c]
        self.start = np.broadcast_to(np.asarray(y0, float), (n,)).copy()
        self.h0 = h0
        self.restart()

    cdef void _system(self, OdeSystem* sys):
        sys.model = &self.m
        sys.nodes = _linear_nodes
        sys.rhs = _linear_rhs
        sys.move = NULL
        sys.n = self.m.n
        sys.atol = self.atol
        sys.clock = &self.clock
        sys.y = self.y
        sys.dense = self.dense

    def restart(self):
        """Back to t = 0."""
        ode_restart(&self.clock, 0.0, self.h0)
        for r in range(self.m.n):
            self.y[r] = self.start[r]

    def steps(self, double t_end, level=None, int component=0):
        """Take the steps from 0 until one reaches t_end: (the step starts, the states there, the
        step sizes) and, with ``level``, the first time component ``component`` reaches it
        (ode_reach on each step in turn; inf if none by the last step's end)."""
        cdef OdeSystem sys
        cdef double cross = INFINITY
        cdef double value = 0.0 if level is None else float(level)
        self._system(&sys)
        self.restart()
        starts, states, sizes = [], [], []
        while True:
            if ode_step(&sys) != 0:
                raise FloatingPointError(f"LinearTrajectory: the step from t = {self.clock.t} failed")
            starts.append(self.clock.t)
            states.append([self.y[r] for r in range(self.m.n)])
            sizes.append(self.clock.h_done)
            if level is not None and cross == INFINITY:
                cross = ode_reach(&sys, component, value)
            if self.clock.t_end >= t_end:
                break
            ode_next(&sys)
        return np.array(starts), np.array(states), np.array(sizes), (cross if level is not None else None)

    def at(self, ts):
        """The dense output at times ``ts`` (>= 0; steps taken from 0 for each, as a sample is)."""
        cdef OdeSystem sys
        self._system(&sys)
        out = []
        for t in np.atleast_1d(np.asarray(ts, float)).tolist():
            self.restart()
            if t <= 0.0:
                out.append(self.start.copy())
                continue
            if ode_cover(&sys, t) != 0:
                raise FloatingPointError(f"LinearTrajectory: a step before t = {t} failed")
            out.append([ode_value(&sys, r, t) for r in range(self.m.n)])
        return np.array(out)
