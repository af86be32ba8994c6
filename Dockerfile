# Node 24 LTS (security support until 2028-04-30). Keep both stages on the same major; before
# moving to a newer LTS, check that the Temporal SDK supports it.
# Build stage: compile TypeScript and bundle the workflows ahead of time.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY scripts ./scripts
RUN npm run build && node dist/scripts/build-workflow-bundle.js dist/workflow-bundle.js

# Runtime stage: production dependencies only, non-root, no bundling at start.
FROM node:24-slim
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    LOG_FORMAT=json
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY supabase ./supabase
USER node
EXPOSE 3000 9464
CMD ["node", "dist/src/main.js"]
