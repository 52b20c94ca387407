# cython: language_level=3
"""Exponential frames: the decay e^{-(t - t0)/tau} of a state as a product of factors that
every neuron with the same time constants shares.

A time t lies in the frame k = floor(t / F) of span F = FRAME_SPAN tau; its factors are
E(t) = e^{(t - k F)/tau} and 1/E(t), both within [e^-FRAME_SPAN, e^FRAME_SPAN] up to rounding.  A
neuron keeps E and k of its state's time t0 (three modes: the membrane and two currents), so
its decay to t is

    e^{-(t - t0)/tau} = E(t0) / E(t) * e^{-(k - k0) F / tau},

the last factor 1 when both times lie in one frame, e^{-F/tau} (a constant of the parameters)
for the next frame.  The factors of a time t are computed once per thread and set of time
constants (``frame_at``: a small direct-mapped cache of the thread, keyed by t and the first
rate) and shared by every target of a batch (all at the batch's arrival time) and every neuron
closed at a window's end; a time seen once (a stream event of one neuron) costs more than the
exponentials it replaces, so callers use frames only for times that are shared.  The entry
``frame_at`` returns is valid until its next call on the thread (which may replace it).

t - k F is taken with one rounding (fma), so the factors' relative error is a few ulp of
FRAME_SPAN whatever the absolute time: e^{-(t - t0)/tau} is within ~1e-15 relative of its direct
evaluation.
"""
from libc.math cimport exp

cdef extern from *:
    """
    #include <math.h>
    #include <stdint.h>
    #include <string.h>
    #define CSNN_FRAME_SPAN 4.0
    #define CSNN_FRAME_WAYS 32
    typedef struct {
        double t;            /* the time (ms) */
        double rate[3];      /* 1 / tau of the three modes (1/ms); 0: an empty entry */
        double einv[3];      /* e^{-(t - k F)/tau} */
        double e[3];         /* e^{(t - k F)/tau} */
        double k[3];         /* the frame k = floor(t / F) */
    } csnn_frame;
    /* per thread (OpenMP threads are pthreads): zero-initialised, and no rate is 0 */
    static __thread csnn_frame csnn_frames[CSNN_FRAME_WAYS];

    static inline const csnn_frame* csnn_frame_at(double t, const double* rate, const double* span) {
        csnn_frame* const cache = csnn_frames;     /* one look-up of the thread's block */
        uint64_t bt, br;
        csnn_frame* f;
        int j;
        memcpy(&bt, &t, sizeof bt);
        memcpy(&br, &rate[0], sizeof br);
        bt ^= br * 0x9E3779B97F4A7C15ull;
        f = &cache[(bt ^ (bt >> 29) ^ (bt >> 43)) & (CSNN_FRAME_WAYS - 1)];
        if (f->t != t || f->rate[0] != rate[0] || f->rate[1] != rate[1] || f->rate[2] != rate[2]) {
            f->t = t;
            for (j = 0; j < 3; j++) {
                f->rate[j] = rate[j];
                if (j > 0 && rate[j] == rate[j - 1]) {     /* equal synaptic time constants */
                    f->k[j] = f->k[j - 1];
                    f->einv[j] = f->einv[j - 1];
                    f->e[j] = f->e[j - 1];
                    continue;
                }
                f->k[j] = floor(t / span[j]);
                f->einv[j] = exp(-fma(-f->k[j], span[j], t) * rate[j]);
                f->e[j] = 1.0 / f->einv[j];
            }
        }
        return f;
    }
    """
    double FRAME_SPAN "CSNN_FRAME_SPAN"
    ctypedef struct FrameTime "csnn_frame":
        double t
        double rate[3]
        double einv[3]
        double e[3]
        double k[3]
    const FrameTime* frame_at "csnn_frame_at"(double t, const double* rate, const double* span) noexcept nogil


cdef inline double frame_decay(double e0, double k0, const FrameTime* f, int mode, double next_frame,
                               double span) noexcept nogil:
    """e^{-(t - t0)/tau} of mode ``mode`` (t: f's time) for a time t0 <= t whose factor and frame
    are e0 and k0; ``next_frame``: e^{-F/tau}, ``span``: F."""
    cdef double r = e0 * f.einv[mode]
    cdef double lag = f.k[mode] - k0
    if lag == 0.0:
        return r
    if lag == 1.0:
        return r * next_frame
    return r * exp(-lag * span * f.rate[mode])
