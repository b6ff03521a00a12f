# Glückauf — every task a newcomer needs. `make run` and `make test` set up everything on a fresh clone.
PYTHON ?= python3
SERVICE := .venv/bin/python
ENGINE := .venv-engine/bin
export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false

.PHONY: help run test envs train browser migrate lint typecheck kb-check validate unit e2e lock clean bench-nlu bench-language bench-answers bench-real bench-dev bench-load bench-insights bench-shared-state

help:
	@echo "make run       set up (venvs, model, database) and start engine + service on 127.0.0.1"
	@echo "make test      lint, types, knowledge check, rasa data validate, all tests (incl. end-to-end)"
	@echo "make kb-check  validate knowledge/ (schema, languages, sources, contacts, age)"
	@echo "make lock      resolve pyproject.toml (service) and requirements/engine.in into requirements/*.lock;"
	@echo "               locked versions stay (add a package without moving the rest); ONLY=service|engine, UPGRADE=1"

envs:
	@$(PYTHON) tools/bootstrap.py envs

train: envs
	@$(PYTHON) tools/bootstrap.py train

run: train
	@$(SERVICE) -m bot run

migrate: envs
	@$(SERVICE) -m bot migrate

lint: envs
	$(SERVICE) -m ruff check .
	$(SERVICE) -m ruff format --check .

typecheck: envs
	$(SERVICE) -m mypy bot actions

kb-check: envs
	@$(SERVICE) -m bot kb-check

validate: envs
	$(ENGINE)/rasa data validate --quiet

unit: envs
	$(SERVICE) -m pytest -m "not e2e"

e2e: train
	$(SERVICE) -m pytest -m e2e

browser:
	@$(PYTHON) tools/bootstrap.py browser

test: train browser lint typecheck kb-check validate
	$(SERVICE) -m pytest

lock:
	@$(PYTHON) tools/bootstrap.py lock $(ONLY) $(if $(UPGRADE),--upgrade)

clean:
	rm -rf var models .venv .venv-engine .pytest_cache .mypy_cache .ruff_cache

bench-nlu: envs
	$(SERVICE) -m bench.nlu

bench-language: envs
	$(SERVICE) -m bench.language --tune

bench-answers: envs
	$(SERVICE) -m bench.answers

bench-real: train
	$(SERVICE) -m bench.real

bench-dev: train
	$(SERVICE) -m bench.real --set dev

bench-load: train
	$(SERVICE) -m bench.load

bench-insights: envs
	$(SERVICE) -m bench.insights

bench-shared-state: envs
	$(SERVICE) -m bench.shared_state
