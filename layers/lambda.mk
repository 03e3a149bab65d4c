# Recipes shared by the Makefiles that `sam build` runs (BuildMethod: makefile): Lambda wheels on any host.

# python3.12 runs on Amazon Linux 2023 (glibc 2.34): spaCy >= 3.8.15 ships only manylinux_2_28 wheels.
PYTHON ?= python3
LAMBDA_PIP := $(PYTHON) -m pip install -qq --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
	--implementation cp --python-version 3.12 --only-binary=:all: --no-compile --no-warn-conflicts

# A real 3.12 interpreter compiles the .pyc that the python3.12 runtime loads (the pyenv one if no python3.12).
ifndef PYTHON312
PYTHON312 := $(shell for p in python3.12 "$$(pyenv root 2>/dev/null)"/versions/3.12*/bin/python3.12; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12); print(sys.executable)' 2>/dev/null && break; done)
endif

# The runtime provides boto3; packages never import their tests/ (21 MB with .pyc, the margin under 200 MB),
# nor their build sources and type stubs (Cython, C/C++, .pyi: 5 MB);
# stripping numpy.libs/*.so breaks numpy, so only the packages' own extensions are stripped.
define lambda_trim
	rm -rf $(1)/bin $(1)/boto3 $(1)/boto3-* $(1)/botocore $(1)/botocore-* $(1)/s3transfer $(1)/s3transfer-*
	find $(1) -type d -name tests -prune -exec rm -rf {} +
	find $(1) -type f \( -name '*.pyx' -o -name '*.pxd' -o -name '*.pyi' -o -name '*.c' -o -name '*.cpp' \
		-o -name '*.h' \) -delete
	find $(1) -name '*.so' -not -path '*.libs/*' -exec strip --strip-unneeded {} +
endef

# py3langid's model packed by the layer's own interpreter and numpy (precis.core.langid_cache.pack), which then
# replaces py3langid's `.npz.xz` (the same model: shipped once, within the size budget).
ifeq ($(PYTHON312),)
lambda_pack_langid = $(error a python3.12 interpreter is needed to pack the language identifier into $(1))
else
define lambda_pack_langid
	PYTHONPATH=$(1):$(ROOT)/src $(PYTHON312) -S $(HERE)/pack_langid.py $(1)/precis_langid
	rm $(1)/py3langid/data/model.npz.xz
endef
endif

# unchecked-hash: the .pyc stay valid whatever mtimes the zip and /opt give the sources.
ifeq ($(PYTHON312),)
lambda_compile = @echo "no python3.12 interpreter found: $(1) ships without .pyc (slower cold start)"
else
lambda_compile = $(PYTHON312) -m compileall -q -j 0 --invalidation-mode unchecked-hash $(1) > /dev/null
endif
