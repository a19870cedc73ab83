# Quartier: local platform without Docker. All runtime state lives in var/ (git-ignored).
#   make install    tools and dependencies (uv, Python packages, PostgreSQL, Java, Maven, Chromium, Kafka jars)
#   make infra-up   PostgreSQL (127.0.0.1:55432) and Kafka (127.0.0.1:19092), database "quartier" provisioned
#   make up         install + infra-up + all services; prints the URL (and demo logins, if any)
#   make down       stop services, Kafka and PostgreSQL
#   make test       install + infra-up + fresh database quartier_test + pytest (PYTEST_ARGS="-k ...")
#   make lint       ruff + mypy
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.NOTPARALLEL:
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
UV := $(ROOT)/infra/bin/uv.sh
PG := $(ROOT)/infra/postgres/pg.sh
KAFKA := $(ROOT)/infra/kafka/kafka.sh
SERVICES := $(ROOT)/infra/bin/services.sh
PYTEST_ARGS ?=

.PHONY: help install infra-up up down test lint

help:
	@sed -n 's/^#   /  /p' $(firstword $(MAKEFILE_LIST))

install:
	@$(ROOT)/infra/bin/install.sh

infra-up:
	@$(PG) start
	@$(PG) provision quartier
	@$(KAFKA) start

up: install infra-up
	@$(SERVICES) start
	@set -a; . $(ROOT)/infra/local.env; set +a; \
	echo; echo "Quartier läuft: http://127.0.0.1:$${QUARTIER_GATEWAY_PORT}"; \
	if [[ -s $(ROOT)/services/gateway/demo-logins.txt ]]; then \
		echo; cat $(ROOT)/services/gateway/demo-logins.txt; \
	fi

down:
	@$(SERVICES) stop
	@$(KAFKA) stop
	@$(PG) stop

test: install infra-up
	@$(PG) drop quartier_test
	@$(PG) provision quartier_test
	cd $(ROOT) && QUARTIER_TEST_DB_NAME=quartier_test QUARTIER_ROOT=$(ROOT) \
		$(UV) run --frozen --no-sync pytest $(PYTEST_ARGS)

lint:
	cd $(ROOT) && $(UV) run --frozen ruff check . && $(UV) run --frozen mypy
