// Embeds the e-mail templates in the binary, so `fieldlab serve` works from any folder.
fn main() {
    minijinja_embed::embed_templates!("src/mail/templates");
}
