# The sidecar and the partner simulators share this image (they differ only by command).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY sidecar ./sidecar
COPY graphql ./graphql
# In a container the published port is the way in: listen on every interface (the default is loopback).
ENV NODE_ENV=production PORT=4000 HOST=0.0.0.0
EXPOSE 4000
CMD ["npm", "start"]
