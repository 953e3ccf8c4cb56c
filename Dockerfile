# The image of compose.yaml's app and workers: the studio with its canvas bundle built.
FROM node:22-slim AS canvas
WORKDIR /src/studio/canvas
COPY studio/canvas/package.json studio/canvas/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY studio/canvas/ ./
RUN npm run build

FROM python:3.11-slim
WORKDIR /studio
COPY . .
COPY --from=canvas /src/studio/canvas/dist studio/canvas/dist
# Editable: the canvas bundle and the examples are used from the source tree.
RUN pip install --no-cache-dir -e . && useradd --create-home studio
USER studio
EXPOSE 8080
