# syntax=docker/dockerfile:1
# llm-bakeoff agent image: `docker build -t llm-bakeoff:0.1.0 .`
#   docker run --rm llm-bakeoff:0.1.0 validate scenarios/quickstart.yaml
#   docker run --rm -v "$PWD/results:/results" llm-bakeoff:0.1.0 run scenarios/quickstart.yaml --mock --out /results/quickstart
# Keys come from the environment only (`-e OPENAI_API_KEY`, or a Kubernetes Secret: deploy/kubernetes/),
# never from a file in the image. Kubernetes manifests: deploy/kubernetes/, docs/kubernetes.md.

# --- build: all dependencies, compile src/ to dist/ -------------------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies, dist/, the scenarios and the pricing catalog -----------
FROM node:24-bookworm-slim AS runtime
WORKDIR /app
# package.json is read at run time too (dist/version.js names the tool and its version in every result).
COPY package.json package-lock.json ./
# --ignore-scripts: no lifecycle script (pretest, prestart …) runs here; nothing in the production tree needs one.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY scenarios ./scenarios
COPY pricing ./pricing
# The application stays owned by root (read-only to the process); only /results is the node user's.
RUN mkdir -p /results && chown node:node /results
VOLUME ["/results"]
# node is uid 1000 / gid 1000 in the official Node images; the Kubernetes manifests pin runAsUser: 1000.
USER node
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["--help"]
