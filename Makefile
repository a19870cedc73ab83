# Quartier: local platform without Docker. All runtime state lives in var/ (git-ignored).
#   make install    tools and dependencies (uv, Python packages, PostgreSQL, Java, Maven, Chromium, Kafka jars)
#   make infra-up   PostgreSQL (127.0.0.1:55432) and Kafka (127.0.0.1:19092), database "quartier" provisioned
#   make up         install + infra-up + SMTP sink (mails as .eml in var/mail/) + all services; prints the URL
#   make down       stop services, Prometheus/Alertmanager, Kafka and PostgreSQL
#   make test       install + infra-up + fresh database quartier_test + pytest (PYTEST_ARGS="-k ...")
#   make unit       the pure tests only (marker unit, fewer property examples, 2 workers): nothing running
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
PROMETHEUS := $(ROOT)/infra/prometheus/prometheus.sh
SMTP := $(ROOT)/infra/smtp/smtp.sh
PYTEST_ARGS ?=

.PHONY: help install infra-up up down test unit lint

help:
	@sed -n 's/^#   /  /p' $(firstword $(MAKEFILE_LIST))

install:
	@$(ROOT)/infra/bin/install.sh

infra-up:
	@$(PG) start
	@$(PG) provision quartier
	@$(KAFKA) start

up: install infra-up
	@$(SMTP) start
	@$(SERVICES) start
	@$(PROMETHEUS) start
	@set -a; . $(ROOT)/infra/local.env; set +a; \
	echo; echo "Quartier läuft: http://127.0.0.1:$${QUARTIER_GATEWAY_PORT}"; \
	echo "Betrieb: http://127.0.0.1:$${QUARTIER_GATEWAY_PORT}/betrieb, Prometheus: http://127.0.0.1:$${QUARTIER_PROMETHEUS_PORT}, Alertmanager: http://127.0.0.1:$${QUARTIER_ALERTMANAGER_PORT}"; \
	if [[ -s $(ROOT)/services/gateway/demo-logins.txt ]]; then \
		echo; cat $(ROOT)/services/gateway/demo-logins.txt; \
	fi

down:
	@$(PROMETHEUS) stop
	@$(SERVICES) stop
	@$(SMTP) stop
	@$(KAFKA) stop
	@$(PG) stop

test: install infra-up
	@$(PG) drop quartier_test
	@$(PG) provision quartier_test
	cd $(ROOT) && QUARTIER_TEST_DB_NAME=quartier_test QUARTIER_ROOT=$(ROOT) \
		$(UV) run --frozen --no-sync pytest $(PYTEST_ARGS)

unit:
	@$(ROOT)/infra/bin/install.sh unit
	cd $(ROOT) && $(UV) run --frozen --no-sync pytest -m unit --quick -n 2 -q $(PYTEST_ARGS)

lint:
	cd $(ROOT) && $(UV) run --frozen ruff check . && $(UV) run --frozen mypy
