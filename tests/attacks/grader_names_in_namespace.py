# A correct notebook whose globals have the names the grader's own helper code once used
# (_s, _t, _n, _src, _m, _r, _np, _k, SOURCES, sys, types, name, module, source): the grader's
# probes and seeding must leave every one of them as the notebook set it.
# score: honest
# absent: NameError|_s. is not defined
# %%
import sys, types
_s, _t, _n, _src, _m, _r, _np, _k = 784, 10, 28, 255.0, "row", 1, np, 717210
SOURCES, name, module, source = {}, "mine", sys.modules[__name__], "student"
def reshape_images(images):
    return images.reshape(len(images), _s)
def normalize_images(images):
    return images.astype(_np.float32) / _src
def one_hot_labels(labels, num_classes=_t):
    return _np.eye(num_classes, dtype=_np.float32)[_np.asarray(labels)]
total_params = _k if (name, source, SOURCES, type(module)) == ("mine", "student", {}, types.ModuleType) else -1
