# One image for every claimsdesk process: web (bin/web), worker (bin/worker), beat (bin/beat).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The Japanese font of the PDFs and the Pango/HarfBuzz libraries WeasyPrint renders with.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      fonts-ipaexfont-gothic \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 claimsdesk \
 && useradd --system --uid 1000 --gid claimsdesk --home-dir /app --shell /usr/sbin/nologin claimsdesk

WORKDIR /app
# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml ./
RUN pip install .

COPY . .
# Static files are collected (hashed, compressed) into the image; bin/web then skips it.
RUN DEBUG=false SECRET_KEY=collectstatic-at-build-time-only ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput --verbosity 0 \
 && mkdir -p /app/media \
 && chown claimsdesk:claimsdesk /app/media

ENV MEDIA_ROOT=/app/media \
    COLLECTSTATIC_ON_START=0 \
    PORT=8000
USER claimsdesk
EXPOSE 8000
CMD ["bin/web"]
