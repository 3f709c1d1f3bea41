# Ferry's headless image for team mode: `ferry serve --workers` and `ferry worker` (docs/team.md).
# Not built by this project's CI: its machines reach only the npm registry and Debian's mirrors,
# not Docker Hub. Build it where Docker Hub is reachable:
#   docker build -t ferry .
#   docker run --rm -e FERRY_DATABASE_URL=postgres://… ferry worker
#   docker run --rm -p 8080:8080 -e FERRY_DATABASE_URL=postgres://… -e FERRY_SERVE_TOKEN=… \
#     ferry serve --workers --port 8080
# (The console listens on 127.0.0.1 only: publish it through a sidecar or an SSH tunnel.)

FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:node && npm run build:renderer

FROM node:22-bookworm-slim
WORKDIR /opt/ferry
ENV NODE_ENV=production FERRY_DEMO=0
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/out ./out
COPY bin ./bin
RUN useradd --system --home-dir /var/lib/ferry --create-home ferry
USER ferry
VOLUME /var/lib/ferry
ENTRYPOINT ["node", "/opt/ferry/bin/ferry.js", "--data-dir", "/var/lib/ferry"]
CMD ["--help"]
