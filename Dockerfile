# upward as a container: built in one stage, run from a small non-root image.
#   docker build -t upward .
#   docker run --env-file .env -p 3000:3000 upward
# The image holds only the binary and CA certificates (distroless, uid 65532).

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# Dependencies first, so a change to the bot's code does not rebuild them.
COPY Cargo.toml Cargo.lock ./
COPY crates crates
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --release --locked --bin upward || true
COPY . .
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin upward \
    && strip target/release/upward

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/upward /usr/local/bin/upward
# Listen on every interface inside the container; the port is published by the runtime.
ENV UPWARD_LISTEN=0.0.0.0:3000
EXPOSE 3000
USER nonroot
ENTRYPOINT ["/usr/local/bin/upward"]
CMD ["serve"]
